/**
 * Test support for sources (not used by the agent): a SourceContext whose checkpoints live in a Map
 * that the harness updates the way the engine does (commit, then ack), and a loop that drains a
 * source the way the engine would.
 */
import type { CheckpointPart, CheckpointParts, JsonValue, SourceRecord } from '../../api/index.ts';
import type { Clock } from '../../pipeline/clock.ts';
import type { ReadResult, Source, SourceContext } from '../../pipeline/source.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';

export interface MemoryContext extends SourceContext {
  /** Committed checkpoints by `source/stream`. */
  readonly committed: Map<string, JsonValue>;
  /** Committed checkpoint parts by `source/stream`, then id (kept as the outbox keeps them: put, the rest of keep, nothing else). */
  readonly parts: Map<string, Map<string, CheckpointPart>>;
  /** Stands in for the outbox transaction: stores the read's checkpoint, then acks it. */
  commit(source: string, result: ReadResult): void;
}

export function memoryContext(options: { secrets?: Record<string, string>; clock?: Clock } = {}): MemoryContext {
  const committed = new Map<string, JsonValue>();
  const parts = new Map<string, Map<string, CheckpointPart>>();
  const secrets = options.secrets ?? {};
  return {
    committed,
    parts,
    checkpoints: {
      getCheckpoint: (source, stream) => committed.get(`${source}/${stream}`),
      getCheckpointPart: (source, stream, id) => parts.get(`${source}/${stream}`)?.get(id),
    },
    secrets: {
      resolve: (ref) => {
        const value = secrets[ref];
        return value === undefined ? Promise.reject(new Error(`no secret ${ref}`)) : Promise.resolve(value);
      },
    },
    logger: createSilentLogger(),
    clock: options.clock ?? { now: () => Date.UTC(2025, 0, 2, 3, 4, 5), sleep: () => Promise.resolve() },
    commit(source, result) {
      const key = `${source}/${result.stream}`;
      committed.set(key, result.checkpoint);
      if (result.checkpointParts !== undefined) parts.set(key, keptParts(parts.get(key), result.checkpointParts));
      result.ack();
    },
  };
}

/** What the outbox holds for a stream after committing `change`: its parts, and none it does not keep (a missing one fails). */
function keptParts(before: Map<string, CheckpointPart> | undefined, change: CheckpointParts): Map<string, CheckpointPart> {
  const after = new Map<string, CheckpointPart>();
  const put = new Map(change.put.map((part) => [part.id, part]));
  for (const id of change.keep) {
    const part = put.get(id) ?? before?.get(id);
    if (part === undefined) throw new Error(`A checkpoint names part ${id}, which is neither stored nor put.`);
    after.set(id, part);
  }
  return after;
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
