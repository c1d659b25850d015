/**
 * How cost grows with the work (issue 15): each dimension measured at every decade of its range,
 * each point in its own process (so its peak memory is its own), with time and peak memory:
 *   scripts/with-keyring.sh node bench/scaling/index.ts [--quick] [--outbox-max 10000000] [--only outbox,bank]
 * outbox depth (1k → 1M queued records by default, 10M with --outbox-max 10000000: ~8 GiB of file and
 * 15+ minutes of fill, so opt-in; enqueue, lease and completion rates, start time, file size), snapshot
 * diff (10k → 1M rows, PostgreSQL), bank file size (10 MB → 1 GB CAMT.053), sources per agent (1, 10,
 * 50: idle CPU and RSS), records per delivery batch (10 → 5,000). The words under the tables say where
 * the cost is linear and where not, computed from the points (growth.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateCamt } from '../files/generate.ts';
import { parseOnce } from '../files/parse-runs.ts';
import { prepareAgentEntry } from '../lib/agent-entry.ts';
import { benchArgs } from '../lib/bench-args.ts';
import type { BenchTable } from '../lib/bench-result.ts';
import type { OutboxScalingRow } from '../outbox/scaling.ts';
import { formatNumber } from '../lib/format-number.ts';
import { writeResult } from '../lib/write-result.ts';
import { describeGrowth, type ScalePoint } from './growth.ts';
import { sourcesPoint } from './sources-point.ts';

const run = promisify(execFile);
const args = benchArgs({ 'outbox-max': {}, only: {} });
const startedAt = new Date();
const MiB = 1024 * 1024;
const decades = (from: number, to: number) => {
  const out: number[] = [];
  for (let n = from; n <= to; n *= 10) out.push(n);
  return out;
};
const outboxMax = Number(args.extra['outbox-max'] ?? (args.quick ? 100_000 : 1_000_000));
const only = args.extra.only?.split(',').map((s) => s.trim());
const wanted = (name: string) => only === undefined || only.includes(name);
const log = (line: string) => process.stdout.write(`${line}\n`);
const f = formatNumber;

async function point<T = Record<string, number>>(dimension: string, size: number, extra: string[] = []): Promise<T> {
  // --expose-gc: the outbox table's heap column is what is live after a full collection.
  const { stdout } = await run(process.execPath, ['--expose-gc', path.join(import.meta.dirname, 'point.ts'), dimension, String(size), ...extra], {
    maxBuffer: 16 * MiB,
    timeout: 60 * 60 * 1000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

const tables: BenchTable[] = [];
const notes: string[] = [];
const details: Record<string, unknown> = {};
const failures: string[] = [];

/** One dimension; a failure is written down and the others still run (the exit code says it failed). */
async function dimension(name: string, measure: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  try {
    await measure();
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n').slice(0, 6).join(' ') : String(error);
    failures.push(`${name}: ${message}`);
    log(`scaling ${name} FAILED: ${message}`);
  }
}

await dimension('outbox', async () => {
  // One file filled decade by decade (bench/outbox/scaling.ts): refilling from empty for every decade
  // would cost more than the top decade itself.
  const p = await point<{ rows: OutboxScalingRow[]; table: BenchTable; notes: string[]; peakMiB: number }>('outbox', outboxMax);
  tables.push(p.table);
  notes.push(...p.notes);
  // Cost: filling to that depth at the enqueue rate measured there; memory: the live V8 heap.
  const points: ScalePoint[] = p.rows.map((r) => ({ size: r.queued, cost: r.queued / r.enqueueRecordsPerSec, peakMiB: r.heapUsedMiB }));
  notes.push(describeGrowth('Outbox enqueue time (at the rate measured at each depth; memory: V8 heap in use)', 'records', points));
  details.outbox = p.rows;
});

await dimension('snapshot', async () => {
  const rows: string[][] = [];
  const points: ScalePoint[] = [];
  for (const [dialect, product] of [['postgresql', 'PostgreSQL'], ['mariadb', 'MariaDB']] as const) {
    for (const size of decades(10_000, args.quick ? 100_000 : 1_000_000)) {
      const p = await point('snapshot', size, [dialect]);
      log(`snapshot ${product} ${f(size)} rows: diff ${f(p.seconds!)} s, COUNT(*) ${f(p.countSecs!)} s, pulled ${f(p.rowsPulled!)}, peak ${f(p.peakMiB!)} MiB`);
      rows.push([
        product,
        f(size),
        f(p.seconds!),
        f(p.countSecs!),
        f(p.seconds! / p.countSecs!),
        f(p.rowsPulled!),
        f(p.diffStateKiB!),
        f(p.firstRoundSecs!),
        f(p.firstRoundStateMiB!),
        f(p.peakMiB!),
      ]);
      if (dialect === 'postgresql') points.push({ size, cost: p.seconds!, peakMiB: p.peakMiB! });
    }
  }
  tables.push({
    title: 'Scaling: snapshot diff, 0.1% changed',
    columns: ['database', 'rows', 'diff s', 'COUNT(*) s', 'ratio', 'rows pulled', 'manifest written by the diff round (KiB)', 'first full round s', 'manifest written by the first round (MiB)', 'peak MiB'],
    rows,
  });
  notes.push(describeGrowth('Snapshot diff time (PostgreSQL)', 'rows', points));
  details.snapshot = points;
});

await dimension('bank', async () => {
  const rows: string[][] = [];
  const points: ScalePoint[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-scaling-bank-'));
  try {
    for (const mb of decades(10, args.quick ? 100 : 1_000)) {
      const file = path.join(dir, `statement-${mb}.xml`);
      const generated = await generateCamt(file, mb * 1_000_000);
      const p = await parseOnce(file, 'ours', 'camt');
      if (!p.accepted) throw new Error(`The ${mb} MB CAMT.053 was not accepted by the parser.`);
      const peak = p.peakRssBytes / MiB;
      log(`bank ${mb} MB: ${f(p.ms / 1000)} s, ${f(generated.bytes / 1e6 / (p.ms / 1000))} MB/s, peak ${f(peak)} MiB`);
      rows.push([`${f(generated.bytes / 1e6)} MB`, f(generated.entries), f(p.ms / 1000), f(generated.bytes / 1e6 / (p.ms / 1000)), f(peak)]);
      points.push({ size: generated.bytes, cost: p.ms / 1000, peakMiB: peak });
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  tables.push({ title: 'Scaling: bank file size (CAMT.053 streaming parse, its own process)', columns: ['file', 'entries', 'parse s', 'MB/s', 'peak MiB'], rows });
  notes.push(describeGrowth('CAMT.053 parse time', 'bytes', points));
  details.bank = points;
});

await dimension('sources', async () => {
  const entry = prepareAgentEntry({ fromSource: args.fromSource, log });
  const rows: string[][] = [];
  const points: ScalePoint[] = [];
  const timing = args.quick ? { settleMs: 5_000, windowMs: 10_000 } : { settleMs: 20_000, windowMs: 30_000 };
  for (const sources of args.quick ? [1, 10] : [1, 10, 50]) {
    const p = await sourcesPoint(entry, sources, timing);
    log(`sources ${sources}: idle CPU ${f(p.cpuPercent)} % of a core, RSS ${f(p.peakMiB)} MiB, first delivery ${f(p.firstDeliverySecs)} s`);
    rows.push([String(sources), f(p.cpuPercent), f(p.peakMiB), f(p.firstDeliverySecs)]);
    points.push({ size: sources, cost: p.cpuPercent, peakMiB: p.peakMiB });
  }
  tables.push({ title: `Scaling: SQLite ODBC sources per agent, idle (read every 10 s; ${timing.windowMs / 1000} s window after ${timing.settleMs / 1000} s settling)`, columns: ['sources', 'idle CPU % of a core', 'RSS MiB', 'first delivery of all s'], rows });
  notes.push(describeGrowth('Idle CPU', 'sources', points));
  details.sources = points;
});

await dimension('batch', async () => {
  const total = args.quick ? 5_000 : 20_000;
  const rows: string[][] = [];
  const points: ScalePoint[] = [];
  const rates: number[] = [];
  for (const perBatch of [10, 100, 1_000, 5_000]) {
    const p = await point('batch', perBatch, [String(total)]);
    rates.push(p.recordsPerSec!);
    log(`batch ${perBatch}: ${f(p.recordsPerSec!)} records/s, ${p.batches} batches, peak ${f(p.peakMiB!)} MiB`);
    rows.push([f(perBatch), f(p.batches!), f(p.seconds!), f(p.recordsPerSec!), f(p.peakMiB!)]);
    points.push({ size: perBatch, cost: p.seconds!, peakMiB: p.peakMiB! });
  }
  tables.push({ title: `Scaling: records per delivery batch (${f(total)} records to the sandbox, gzip, signed)`, columns: ['records per batch', 'batches', 'seconds', 'records/s', 'peak MiB'], rows });
  const best = Math.max(...rates);
  const knee = [10, 100, 1_000, 5_000].find((_, i) => rates[i]! >= 0.8 * best)!;
  notes.push(
    `Records per batch: ${f(rates[0]!)} records/s at 10 per batch, ${f(rates.at(-1)!)} at 5,000; from ${f(knee)} per batch on, ` +
      'within 20% of the best: below that each round trip’s fixed cost (lease, sign, gzip, HTTP, completion write) dominates.',
  );
  details.batch = points;
});

writeResult({
  name: 'scaling',
  title: 'How cost grows with the work',
  mode: args.quick ? 'quick' : 'full',
  startedAt: startedAt.toISOString(),
  durationSecs: Math.round((Date.now() - startedAt.getTime()) / 1000),
  runs: 1,
  rows: [],
  tables,
  details: { ...details, failures },
  notes: [...notes, ...failures.map((f) => `FAILED: ${f}`)],
});
if (failures.length > 0) process.exitCode = 1;
