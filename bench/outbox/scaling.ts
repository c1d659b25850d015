/**
 * How the outbox's costs grow with its depth (issue 15, "Scale"): one outbox is filled decade by
 * decade (1,000 → `maxRecords` queued records) and at each decade measured as the agent uses it:
 *
 * - enqueue: the last `probe` records of the decade, 100 per transaction (the headline shape), timed;
 * - lease: batches of 500 taken by `nextBatch` (what delivery does), timed, then completed as all
 *   accepted (`completeBatch`), timed apart; the depth falls by what was leased and the next fill
 *   makes up for it;
 * - start: the outbox closed cleanly and opened again as the agent opens it (`by-last-stop`: the
 *   delivery tables are checked, not the whole file), timed;
 * - the file's size after the clean close, and the process's peak RSS so far.
 *
 * The fill between decades (generated in chunks, so the rows never sit in memory all at once) is
 * untimed apart from its overall rate, which the table shows as well.
 */
import { statSync } from 'node:fs';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import type { BenchTable } from '../lib/bench-result.ts';
import { formatNumber } from '../lib/format-number.ts';
import { receiptRecords } from '../lib/receipt-records.ts';

const FILL_TRANSACTION = 500;
const PROBE_TRANSACTION = 100;
const PROBE_RECORDS = 5_000;
const LEASE_BATCH = 500;
const LEASE_BATCHES = 4;
const MiB = 1024 * 1024;

export interface OutboxScalingRow {
  queued: number;
  enqueueRecordsPerSec: number;
  fillRecordsPerSec: number;
  leaseRecordsPerSec: number;
  completeRecordsPerSec: number;
  startMs: number;
  fileMiB: number;
  peakRssMiB: number;
  /** V8 heap in use after the decade (collected first under --expose-gc): the process's own memory apart from SQLite's. */
  heapUsedMiB: number;
}

/**
 * The V8 heap in use; after a full collection when node runs with --expose-gc, so that what remains
 * is what the process holds rather than garbage not yet collected.
 */
function liveHeapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / MiB;
}

/** 1,000, 10,000, … up to and including `maxRecords` (itself a power of ten or not). */
export function decadesUpTo(maxRecords: number): number[] {
  const decades: number[] = [];
  for (let queued = 1_000; queued < maxRecords; queued *= 10) decades.push(queued);
  decades.push(maxRecords);
  return decades;
}

export function measureOutboxScaling(
  file: string,
  maxRecords: number,
  log: (line: string) => void,
): { rows: OutboxScalingRow[]; table: BenchTable } {
  const open = () =>
    Outbox.open({ path: file, synchronous: 'FULL', maxBytes: 64 * 1024 ** 3, clock: systemClock, startCheck: 'by-last-stop' });
  let outbox = open();
  let nextId = 1;
  /** Enqueues `count` new receipts in transactions of `perTransaction`; milliseconds taken. */
  const enqueue = (count: number, perTransaction: number): number => {
    let ms = 0;
    for (let done = 0; done < count; ) {
      // Generated a chunk at a time: a million rows at once would be the benchmark's own memory peak.
      const records = receiptRecords(Math.min(10_000, count - done), { firstId: nextId });
      nextId += records.length;
      const started = performance.now();
      for (let i = 0; i < records.length; i += perTransaction) {
        const page = records.slice(i, i + perTransaction);
        const last = page[page.length - 1]!;
        outbox.enqueue({ source: 'bench', stream: last.stream, lane: 'bulk', records: page, checkpoint: { key: last.key } });
      }
      ms += performance.now() - started;
      done += records.length;
    }
    return ms;
  };

  const rows: OutboxScalingRow[] = [];
  try {
    for (const queued of decadesUpTo(maxRecords)) {
      const probe = Math.min(PROBE_RECORDS, queued);
      const fill = queued - probe - outbox.stats().depth;
      const fillMs = fill > 0 ? enqueue(fill, FILL_TRANSACTION) : 0;
      const enqueueMs = enqueue(probe, PROBE_TRANSACTION);

      const leaseStarted = performance.now();
      const batches = [];
      for (let i = 0; i < LEASE_BATCHES; i += 1) {
        // As the pipelined Deliverer leases: without whileEarlierInFlight a stream's second batch waits
        // for its first, and the probe would lease one batch, not four.
        const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: LEASE_BATCH, maxBytes: 16 * MiB, whileEarlierInFlight: true });
        if (batch !== null) batches.push(batch);
      }
      const leaseMs = performance.now() - leaseStarted;
      const leased = batches.reduce((sum, b) => sum + b.records.length, 0);
      const completeStarted = performance.now();
      for (const batch of batches) outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
      const completeMs = performance.now() - completeStarted;

      outbox.close();
      const fileMiB = statSync(file).size / MiB;
      const startStarted = performance.now();
      outbox = open();
      const startMs = performance.now() - startStarted;

      const row: OutboxScalingRow = {
        queued,
        enqueueRecordsPerSec: probe / (enqueueMs / 1000),
        fillRecordsPerSec: fill > 0 ? fill / (fillMs / 1000) : Number.NaN,
        leaseRecordsPerSec: leased / (leaseMs / 1000),
        completeRecordsPerSec: leased / (completeMs / 1000),
        startMs,
        fileMiB,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        heapUsedMiB: liveHeapMiB(),
      };
      rows.push(row);
      log(
        `${formatNumber(queued).padStart(10)} queued: enqueue ${formatNumber(row.enqueueRecordsPerSec)} records/s ` +
          `(fill ${formatNumber(row.fillRecordsPerSec)}), lease ${formatNumber(row.leaseRecordsPerSec)} records/s, ` +
          `complete ${formatNumber(row.completeRecordsPerSec)} records/s, start ${formatNumber(startMs)} ms, ` +
          `file ${formatNumber(fileMiB)} MiB, peak RSS ${formatNumber(row.peakRssMiB)} MiB (V8 heap in use ${formatNumber(row.heapUsedMiB)} MiB)`,
      );
    }
  } finally {
    outbox.close();
  }
  return { rows, table: scalingTable(rows) };
}

function scalingTable(rows: readonly OutboxScalingRow[]): BenchTable {
  return {
    title: 'Scaling: outbox depth: what enqueue, lease, completion and start cost as the queue grows (one file, filled decade by decade)',
    columns: [
      'queued records',
      'enqueue (records/s, 100/tx)',
      'fill (records/s, 500/tx)',
      'lease (records/s)',
      'complete (records/s)',
      'start (ms)',
      'file (MiB)',
      'peak RSS (MiB)',
      'V8 heap in use (MiB)',
    ],
    rows: rows.map((r) => [
      formatNumber(r.queued),
      formatNumber(r.enqueueRecordsPerSec),
      Number.isNaN(r.fillRecordsPerSec) ? '–' : formatNumber(r.fillRecordsPerSec),
      formatNumber(r.leaseRecordsPerSec),
      formatNumber(r.completeRecordsPerSec),
      formatNumber(r.startMs),
      formatNumber(r.fileMiB),
      formatNumber(r.peakRssMiB),
      formatNumber(r.heapUsedMiB),
    ]),
  };
}

/** Why a rate fell by more than a b-tree level explains: completion's cause was measured (bench/README.md, Outbox depth). */
function fallingNote(falling: readonly string[]): string {
  const others = falling.filter((name) => name !== 'completion');
  const parts: string[] = [];
  if (falling.includes('completion')) {
    parts.push(
      'completion fell by more than that because the probe completes the oldest records, whose keys (receipt ids from 1) sort as text among ' +
        'the longer ids they prefix in the records_key index, so each delete dirties an index page of its own and the WAL checkpoints land in those commits',
    );
  }
  if (others.length > 0) parts.push(`${others.join(', ')} fell by more than that: the file outgrowing the page cache, or a shared disk's load (see the load average)`);
  return parts.map((part) => `; ${part}`).join('');
}

/** What the table says in words, from its first and last rows; each claim follows the figures it rests on. */
export function scalingNotes(rows: readonly OutboxScalingRow[]): string[] {
  if (rows.length < 2) return [];
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const depthGrowth = last.queued / first.queued;
  // A b-tree's depth grows with log(records): ten times the depth may cost a level more, i.e. well under 2×.
  const logarithmic = (before: number, after: number) => after / before >= 0.5;
  const rates = [
    { name: 'enqueue', before: first.enqueueRecordsPerSec, after: last.enqueueRecordsPerSec },
    { name: 'lease', before: first.leaseRecordsPerSec, after: last.leaseRecordsPerSec },
    { name: 'completion', before: first.completeRecordsPerSec, after: last.completeRecordsPerSec },
  ];
  const flat = rates.filter((r) => logarithmic(r.before, r.after)).map((r) => r.name);
  const falling = rates.filter((r) => !logarithmic(r.before, r.after)).map((r) => r.name);
  const bytesPerRecord = (last.fileMiB * MiB) / last.queued;
  const startFlat = last.startMs <= Math.max(2 * first.startMs, first.startMs + 100);
  return [
    `From ${formatNumber(first.queued)} to ${formatNumber(last.queued)} queued records (${formatNumber(depthGrowth)}× the depth): ` +
      rates.map((r) => `${r.name} at ${formatNumber(r.after / r.before)}× its rate`).join(', ') +
      '. Per record each is b-tree inserts and seeks, whose cost grows with the logarithm of the depth' +
      (flat.length > 0 ? ` (${flat.join(', ')}: within 2×, as expected)` : '') +
      fallingNote(falling) +
      '.',
    `The file grows linearly with the depth: ${formatNumber(bytesPerRecord)} bytes per queued ~312-byte record ` +
      '(the row with its version, seq and tally, its key memory, and the records_key, records_unassigned and records_captured indexes).',
    `A clean start took ${formatNumber(first.startMs)} ms at ${formatNumber(first.queued)} and ${formatNumber(last.startMs)} ms at ` +
      `${formatNumber(last.queued)}: ` +
      (startFlat
        ? 'flat, since after a clean stop only the delivery tables are checked and they do not grow with the queue.'
        : 'it grew with the depth, although after a clean stop only the delivery tables are checked: worth a look.'),
    `Peak RSS ${formatNumber(first.peakRssMiB)} MiB after the first decade, ${formatNumber(last.peakRssMiB)} MiB at the end ` +
      `(the process's high-water mark, the generated rows included), with ${formatNumber(first.heapUsedMiB)} and ` +
      `${formatNumber(last.heapUsedMiB)} MiB of V8 heap in use at those points.`,
  ];
}
