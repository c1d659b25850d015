/**
 * Run by test/integration/mapping-under-load.test.ts: starts a real MappingPool and maps one record
 * (the thread is up), prints `ready`, and when a line arrives on stdin (by then the test has pinned this
 * process to one core beside busy loops at the lowest priority) maps records one after another and
 * prints each record's result with the wall time it took, a JSON line each, then how many times the
 * pool replaced its thread.
 * Arguments: the pool's limits as JSON, the number of records.
 */
import { once } from 'node:events';
import { MappingConfigSchema } from '../../agents/api/index.ts';
import { MappingPool } from '../../agents/transforms/mapping/index.ts';

const limits = JSON.parse(process.argv[2] ?? '{}') as Record<string, number>;
const records = Number(process.argv[3] ?? '20');
const pool = new MappingPool({ limits });
const mapping = pool.load(
  MappingConfigSchema.parse({
    stream: 'sales',
    input: { id: 'integer', net: 'money', rate: 'money', lines: { amount: 'money', qty: 'integer' } },
    fields: {
      id: { expr: 'id', type: 'integer' },
      vat: { expr: "$round($decimalMul(net, rate), 2, 'HALF_EVEN')", type: 'money' },
      // A lambda: JSONata's evaluator with its step check, not the plain-function path.
      lines: { expr: '$decimalSum($map(lines, function($l){ $decimalMul($l.amount, $l.qty) }))', type: 'money' },
    },
  }),
);
const data = (i: number) => ({ id: String(i), net: '100.05', rate: '0.19', lines: [{ amount: '0.10', qty: '3' }, { amount: '0.20', qty: String(i) }] });
await pool.map(mapping, { key: { id: '0' }, data: data(0) });
console.log('ready');
await once(process.stdin, 'data');
process.stdin.pause();
for (let i = 1; i <= records; i += 1) {
  const started = performance.now();
  const result = await pool.map(mapping, { key: { id: String(i) }, data: data(i) });
  const wallMs = performance.now() - started;
  console.log(JSON.stringify(result.ok ? { ok: true, output: result.output, wallMs } : { ok: false, error: result.error, wallMs }));
}
console.log(JSON.stringify({ restarts: pool.restarts }));
await pool.close();
