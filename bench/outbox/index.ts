/**
 * Outbox enqueue vs a raw better-sqlite3 insert loop (same rows, same transactions, same file
 * settings), and the NORMAL/FULL × batch-size table that decides DESIGN.md §4.6: `synchronous=FULL`
 * unless it costs more than 15%.
 *   node bench/outbox/index.ts [--quick] [--runs 5]
 * How the outbox's costs grow with its depth (scaling.ts) is measured by bench/scaling, with the
 * other scaling tables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs } from '../lib/bench-args.ts';
import { benchRow } from '../lib/bench-result.ts';
import { formatNumber } from '../lib/format-number.ts';
import { median } from '../lib/median.ts';
import { chunk, receiptRecords } from '../lib/receipt-records.ts';
import { writeResult } from '../lib/write-result.ts';
import type { SourceRecord } from '../../agents/api/index.ts';
import { recordVersion } from '../../agents/outbox/index.ts';
import { enqueueOurs, insertRaw, type Synchronous } from './enqueue-sides.ts';

const BATCH_SIZES = [1, 10, 100, 1000] as const;
/** Transactions per run for each batch size: enough to time, few enough that FULL × 1 stays short. */
const TRANSACTIONS: Record<(typeof BATCH_SIZES)[number], { full: number; quick: number }> = {
  1: { full: 400, quick: 60 },
  10: { full: 300, quick: 40 },
  100: { full: 200, quick: 20 },
  1000: { full: 30, quick: 5 },
};
const HEADLINE = { synchronous: 'FULL' as Synchronous, batch: 100 };
/** DESIGN.md §4.6. */
const MAX_FULL_COST = 0.15;

interface Cell {
  synchronous: Synchronous;
  batch: number;
  transactions: number;
  records: number;
  oursRecordsPerSec: number;
  rawRecordsPerSec: number;
  oursSamplesMs: number[];
  rawSamplesMs: number[];
}

const args = benchArgs();
const startedAt = new Date();
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-outbox-'));
let fileNo = 0;

/** Runs one side on a new file and deletes the file (with its -wal and -shm) afterwards. */
function onFreshFile(side: (file: string) => number): number {
  const file = path.join(dir, `run-${(fileNo += 1)}.db`);
  try {
    return side(file);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}

/** µs of CPU per record for content versions, measured beside the headline cell (see versioningSide). */
let versioningMicros = Number.NaN;

/**
 * Not a side of the comparison, an explanation of it: the CPU time of what ours does before SQLite
 * sees a row (canonical JSON of key and data, SHA-256 content version), which raw does not do at
 * all. It takes its turn among the sides, so it is measured in the same moments as they are.
 */
function versioningSide(batches: readonly SourceRecord[][]): { id: string; run: () => number } {
  return {
    id: 'versioning',
    run: () => {
      const started = performance.now();
      for (const page of batches) for (const record of page) recordVersion(record);
      return performance.now() - started;
    },
  };
}

/**
 * One batch size: ours and raw at FULL and at NORMAL, interleaved run by run and rotated, so a slow
 * moment on a shared disk spreads over all four instead of skewing one comparison.
 */
function measureBatchSize(batch: (typeof BATCH_SIZES)[number]): Cell[] {
  const transactions = args.quick ? TRANSACTIONS[batch].quick : TRANSACTIONS[batch].full;
  const records = batch * transactions;
  const batches = chunk(receiptRecords(records), batch);
  const samples = new Map<string, number[]>();
  const sides = (['FULL', 'NORMAL'] as const).flatMap((synchronous) => [
    { id: `ours ${synchronous}`, run: () => onFreshFile((file) => enqueueOurs(file, synchronous, batches)) },
    { id: `raw ${synchronous}`, run: () => onFreshFile((file) => insertRaw(file, synchronous, batches)) },
  ]);
  if (batch === HEADLINE.batch) sides.push(versioningSide(batches));
  for (let run = 0; run < args.runs; run += 1) {
    for (let i = 0; i < sides.length; i += 1) {
      const side = sides[(i + run) % sides.length]!;
      samples.set(side.id, [...(samples.get(side.id) ?? []), side.run()]);
    }
  }
  if (batch === HEADLINE.batch) versioningMicros = (median(samples.get('versioning')!) * 1000) / records;
  return (['FULL', 'NORMAL'] as const).map((synchronous) => {
    const ours = samples.get(`ours ${synchronous}`)!;
    const raw = samples.get(`raw ${synchronous}`)!;
    const cell: Cell = {
      synchronous,
      batch,
      transactions,
      records,
      oursRecordsPerSec: records / (median(ours) / 1000),
      rawRecordsPerSec: records / (median(raw) / 1000),
      oursSamplesMs: ours.map(Math.round),
      rawSamplesMs: raw.map(Math.round),
    };
    process.stdout.write(
      `${synchronous.padEnd(6)} ${String(batch).padStart(4)} records/tx × ${transactions} tx: ` +
        `ours ${formatNumber(cell.oursRecordsPerSec)} records/s, raw ${formatNumber(cell.rawRecordsPerSec)} records/s ` +
        `(${formatNumber(cell.oursRecordsPerSec / cell.rawRecordsPerSec)}×)\n`,
    );
    return cell;
  });
}

const cells: Cell[] = BATCH_SIZES.flatMap((batch) => measureBatchSize(batch));
rmSync(dir, { recursive: true, force: true });

const cellOf = (synchronous: Synchronous, batch: number) =>
  cells.find((c) => c.synchronous === synchronous && c.batch === batch)!;
const headline = cellOf(HEADLINE.synchronous, HEADLINE.batch);
const fullCost = BATCH_SIZES.map((batch) => {
  const full = cellOf('FULL', batch).oursRecordsPerSec;
  const normal = cellOf('NORMAL', batch).oursRecordsPerSec;
  return { batch, costPercent: Math.round((1 - full / normal) * 1000) / 10 };
});
const costlyAt = fullCost.filter((c) => c.costPercent / 100 > MAX_FULL_COST).map((c) => c.batch);

const notes = [
  `FULL costs ${fullCost.map((c) => `${c.costPercent}% at ${c.batch}/tx`).join(', ')} of NORMAL's throughput (one fsync of the WAL per commit).`,
  costlyAt.length === 0
    ? 'FULL stays within the 15% budget of DESIGN.md §4.6 at every batch size: keep synchronous=FULL.'
    : `FULL costs more than 15% at ${costlyAt.join(', ')} records/transaction. Capture commits one page per transaction ` +
      `(pageRows, default 500), so the cost that matters is at the larger batch sizes` +
      (costlyAt.every((b) => b < 100)
        ? '; there FULL stays within budget, so FULL remains the default. Small transactions (an urgent single row) pay the fsync, which is the point of FULL.'
        : '; DESIGN.md §4.6 says to weigh NORMAL there (NORMAL in WAL can lose the last commits on power loss, never corrupt the file).'),
  `Content versions (canonical JSON + SHA-256) cost ${formatNumber(versioningMicros)} µs of CPU per record before SQLite sees it; ` +
    `raw spends ${formatNumber(1e6 / headline.rawRecordsPerSec)} µs per record in all, ours ${formatNumber(1e6 / headline.oursRecordsPerSec)} µs ` +
    `(the rest of the difference, by the profile in bench/README.md: the key-memory upsert, the three indexes of records ` +
    `and the commit writing their pages; running totals, day totals and the checkpoint row are once per transaction).`,
];

writeResult({
  name: 'outbox',
  title: 'Outbox enqueue (WAL) vs raw better-sqlite3 inserts',
  mode: args.quick ? 'quick' : 'full',
  startedAt: startedAt.toISOString(),
  durationSecs: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
  runs: args.runs,
  rows: [
    benchRow({
      metric: `outbox enqueue, WAL + FULL, ${HEADLINE.batch} records + checkpoint per transaction`,
      ours: { value: headline.oursRecordsPerSec, unit: 'records/s' },
      baseline: { label: 'raw better-sqlite3 inserts', value: headline.rawRecordsPerSec, unit: 'records/s' },
      target: { on: 'ratio', op: '>=', value: 0.7 },
    }),
    benchRow({
      metric: `outbox enqueue FULL vs NORMAL, ${HEADLINE.batch} records per transaction`,
      ours: { value: headline.oursRecordsPerSec, unit: 'records/s' },
      baseline: {
        label: 'ours with synchronous=NORMAL',
        value: cellOf('NORMAL', HEADLINE.batch).oursRecordsPerSec,
        unit: 'records/s',
      },
      target: { on: 'ratio', op: '>=', value: 1 - MAX_FULL_COST },
    }),
  ],
  tables: [
    {
      title:
        'Outbox enqueue in records/s by synchronous level and records per transaction (raw better-sqlite3 in brackets)',
      columns: ['records per transaction', ...BATCH_SIZES.map(String)],
      rows: (['FULL', 'NORMAL'] as const)
        .map((synchronous) => [
          synchronous,
          ...BATCH_SIZES.map((batch) => {
            const c = cellOf(synchronous, batch);
            return `${formatNumber(c.oursRecordsPerSec)} (${formatNumber(c.rawRecordsPerSec)})`;
          }),
        ])
        .concat([['cost of FULL', ...fullCost.map((c) => `${c.costPercent}%`)]]),
    },
  ],
  details: {
    table: cells.map((c) => ({
      synchronous: c.synchronous,
      recordsPerTransaction: c.batch,
      transactions: c.transactions,
      oursRecordsPerSec: Math.round(c.oursRecordsPerSec),
      rawRecordsPerSec: Math.round(c.rawRecordsPerSec),
      ratio: Math.round((c.oursRecordsPerSec / c.rawRecordsPerSec) * 1000) / 1000,
      oursSamplesMs: c.oursSamplesMs,
      rawSamplesMs: c.rawSamplesMs,
    })),
    fullCostPercentByBatch: fullCost,
    recordBytes: Buffer.byteLength(JSON.stringify(receiptRecords(1)[0]!.data)),
    versioningMicrosPerRecord: Math.round(versioningMicros * 10) / 10,
  },
  notes,
});
