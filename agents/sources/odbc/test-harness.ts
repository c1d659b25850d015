/**
 * Test support for sources (not used by the agent): a SourceContext whose checkpoints live in a Map
 * that the harness updates the way the engine does (commit, then ack), and a loop that drains a
 * source the way the engine would.
 */
import type { JsonValue, SourceRecord } from '../../api/index.ts';
import type { Clock } from '../../pipeline/clock.ts';
import type { ReadResult, Source, SourceContext } from '../../pipeline/source.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';

export interface MemoryContext extends SourceContext {
  /** Committed checkpoints by `source/stream`. */
  readonly committed: Map<string, JsonValue>;
  /** Stands in for the outbox transaction: stores the read's checkpoint, then acks it. */
  commit(source: string, result: ReadResult): void;
}

export function memoryContext(options: { secrets?: Record<string, string>; clock?: Clock } = {}): MemoryContext {
  const committed = new Map<string, JsonValue>();
  const secrets = options.secrets ?? {};
  return {
    committed,
    checkpoints: { getCheckpoint: (source, stream) => committed.get(`${source}/${stream}`) },
    secrets: {
      resolve: (ref) => {
        const value = secrets[ref];
        return value === undefined ? Promise.reject(new Error(`no secret ${ref}`)) : Promise.resolve(value);
      },
    },
    logger: createSilentLogger(),
    clock: options.clock ?? { now: () => Date.UTC(2025, 0, 2, 3, 4, 5), sleep: () => Promise.resolve() },
    commit(source, result) {
      committed.set(`${source}/${result.stream}`, result.checkpoint);
      result.ack();
    },
  };
}

export interface Drained {
  records: SourceRecord[];
  reads: ReadResult[];
}

/** Reads (and commits) until the source returns null; fails past `maxReads` to stop a runaway loop. */
export async function drain(source: Source, ctx: MemoryContext, maxReads = 1000): Promise<Drained> {
  const signal = new AbortController().signal;
  const reads: ReadResult[] = [];
  for (let i = 0; i < maxReads; i += 1) {
    const result = await source.read(signal);
    if (result === null) return { records: reads.flatMap((r) => r.records), reads };
    ctx.commit(source.name, result);
    reads.push(result);
  }
  throw new Error(`source ${source.name} still had data after ${maxReads} reads`);
}
