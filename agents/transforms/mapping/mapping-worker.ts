/**
 * The mapping thread: compiles the mappings it is sent (once each) and maps one record per request.
 * It runs apart from the agent's main thread so a hostile or broken mapping can be stopped by
 * terminating the thread (mapping-pool.ts), with its own heap limit.
 */
import { parentPort } from 'node:worker_threads';
import type { JsonObject, MappingConfig, RecordKey } from '../../api/index.ts';
import { compileMapping, mapRecordData, type CompiledMapping } from './mapping-evaluate.ts';
import type { MappingLimits } from './mapping-limits.ts';
import type { LookupTables } from './lookup-helper.ts';
import type { RecordMapping } from './mapping-result.ts';
import { createRunClock } from './run-clock.ts';
import { currentThreadId, ownThreadCpuMs } from './thread-cpu.ts';

export interface MappingRequest {
  id: number;
  mappingId: number;
  /** Sent the first time this thread sees the mapping. */
  mapping?: { config: MappingConfig; limits: MappingLimits; tables?: LookupTables | undefined };
  data: JsonObject;
  key: RecordKey;
}

/**
 * `ready` once the thread has loaded JSONata: a record's time starts when it can run. Both replies carry
 * the thread's CPU time then (`cpuMs`) and `ready` its kernel id (Linux), so the pool can tell a record
 * that burns a core from one waiting for a core (the hard limit, mapping-pool.ts).
 */
export type MappingReply = { type: 'ready'; tid: number | undefined; cpuMs: number } | { type: 'result'; id: number; result: RecordMapping; cpuMs: number };

const port = parentPort;
if (port === null) throw new Error('mapping-worker.ts runs only as a worker thread');

// A record's time limit counts the time this thread runs, not the time it waits for a core
// (run-clock.ts). JSONata's step check reads `Date.now()`, so in this thread, which runs nothing but
// mappings, `Date.now` is that clock. JSONata's `$now()` and `$millis()` use `new Date()`, and Node's
// own code keeps the original, so neither is affected.
const clock = createRunClock();
Date.now = () => clock.now();

const compiled = new Map<number, CompiledMapping | RecordMapping>();

// Requests are mapped one after another, never two at a time: the pool hands several out at once
// (mapping-pool.ts), and each record's time limit must measure that record alone.
let previous: Promise<void> = Promise.resolve();
port.on('message', (request: MappingRequest) => {
  previous = previous
    .then(() => handle(request))
    .then((result) => port.postMessage({ type: 'result', id: request.id, result, cpuMs: ownThreadCpuMs() } satisfies MappingReply));
});
// A cold evaluator (JSONata's code not yet compiled by V8) can take tens of milliseconds for its first
// record; that would count against the record's 50 ms. One throwaway record with paths, a lambda,
// a condition and the helpers warms it before the thread says it is ready.
const WARM_UP: MappingConfig = {
  stream: 'warm-up',
  input: { a: 'money', n: 'integer', t: 'text', l: { m: 'money', q: 'integer' } },
  fields: {
    x: { expr: '$decimalSum($map(l, function($i){ $decimalMul($i.m, $i.q) }))', type: 'money', required: false },
    y: { expr: "$decimalGt(a, \"1\") ? $round($decimalDiv(a, \"3\", 4), 2, 'HALF_UP') : $uppercase(t & $string($number(n) + 1))", type: 'text', required: false },
    z: { expr: 'l[$number(q) > 1].{"m": m}', type: 'text', required: false },
  },
};
const warm = compileMapping(WARM_UP, { timeMs: 60_000, hardTimeMs: 60_000, maxDepth: 500, maxSequence: 10_000, maxOutputBytes: 65_536, memoryMb: 64 });
const warmData = { a: '12.34', n: '7', t: 'x', l: [{ m: '1.10', q: '2' }, { m: '0.05', q: '1' }] };
for (let i = 0; i < 20; i += 1) await mapRecordData(warm, warmData, {}, clock.now);
port.postMessage({ type: 'ready', tid: currentThreadId(), cpuMs: ownThreadCpuMs() } satisfies MappingReply);

async function handle(request: MappingRequest): Promise<RecordMapping> {
  let mapping = compiled.get(request.mappingId);
  if (mapping === undefined && request.mapping !== undefined) {
    try {
      mapping = compileMapping(request.mapping.config, request.mapping.limits, request.mapping.tables);
    } catch (error) {
      // Kept: every record of a mapping that does not compile gets the same error, not only the first.
      mapping = { ok: false, error: { code: 'expression', message: `The mapping does not compile: ${(error as Error).message ?? String(error)}` }, elapsedMs: 0 };
    }
    compiled.set(request.mappingId, mapping);
  }
  if (mapping === undefined) return { ok: false, error: { code: 'internal', message: 'The mapping thread was not sent this mapping.' }, elapsedMs: 0 };
  if ('ok' in mapping) return mapping;
  try {
    return await mapRecordData(mapping, request.data, request.key, clock.now);
  } catch (error) {
    return { ok: false, error: { code: 'internal', message: (error as Error).message ?? String(error) }, elapsedMs: 0 };
  }
}
