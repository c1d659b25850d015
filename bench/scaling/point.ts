/**
 * One point of the scaling benchmark, in its own process so its peak memory (VmHWM) is its own:
 *   node bench/scaling/point.ts outbox <records> | snapshot <rows> | batch <recordsPerBatch> [total]
 * Prints one JSON line: the figures of the point and `peakMiB`.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudClient } from '../../agents/delivery/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { AGENT_VERSION, LIMITS, deliverOurs } from '../delivery/ours.ts';
import { benchSnapshotDiff } from '../odbc/snapshot-diff.ts';
import { receiptRecords } from '../lib/receipt-records.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';

const MiB = 1024 * 1024;
const ENQUEUE_CHUNK = 1_000;
const LEASE_BATCHES = 20;
const LEASE_RECORDS = 500;

/** Outbox depth: enqueue `size` records, lease and complete from that depth, close, time a reopen. */
function outboxPoint(size: number): Record<string, number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-scaling-outbox-'));
  const file = path.join(dir, 'outbox.db');
  const open = () => Outbox.open({ path: file, synchronous: 'FULL', maxBytes: 256 * 1024 ** 3, clock: systemClock, startCheck: 'by-last-stop' });
  try {
    let outbox = open();
    let enqueueMs = 0;
    for (let done = 0; done < size; done += ENQUEUE_CHUNK) {
      const records = receiptRecords(Math.min(ENQUEUE_CHUNK, size - done), { firstId: done + 1, seed: done + 1 });
      const started = performance.now();
      outbox.enqueue({ source: 'bench', stream: 'receipts', lane: 'bulk', records, checkpoint: { n: done + records.length } });
      enqueueMs += performance.now() - started;
    }
    let leased = 0;
    const leaseStarted = performance.now();
    for (let n = 0; n < LEASE_BATCHES && leased < size; n += 1) {
      const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: LEASE_RECORDS, maxBytes: 4_000_000 });
      if (batch === null) break;
      outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
      leased += batch.records.length;
    }
    const leaseMs = performance.now() - leaseStarted;
    outbox.close();
    const reopenStarted = performance.now();
    outbox = open();
    const startMs = performance.now() - reopenStarted;
    outbox.close();
    const bytes = ['', '-wal', '-shm'].map((suffix) => file + suffix).filter(existsSync).reduce((sum, f) => sum + statSync(f).size, 0);
    return { seconds: enqueueMs / 1000, enqueuePerSec: size / (enqueueMs / 1000), leasePerSec: leased / (leaseMs / 1000), startMs, fileMiB: bytes / MiB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Snapshot diff of a PostgreSQL table of `rows` rows after 0.1% changed (bench/odbc's diff, one run). */
async function snapshotPoint(rows: number): Promise<Record<string, number>> {
  const result = await benchSnapshotDiff('postgresql', { rows, pageRows: 1_000, runs: 1, log: (line) => process.stderr.write(`${line}\n`) });
  const d = result.details as { diffMs: number[]; countMs: number[]; rowsPulled: number; firstRoundSecs: number };
  return { seconds: d.diffMs[0]! / 1000, countSecs: d.countMs[0]! / 1000, rowsPulled: d.rowsPulled, firstRoundSecs: d.firstRoundSecs };
}

/** Delivery of `total` records to the sandbox (its own process) in batches of `perBatch`. */
async function batchPoint(perBatch: number, total: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-scaling-batch-'));
  const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });
  try {
    const { key } = await sandbox.admin.createEnrollmentKey({ entities: ['bench'] });
    const enrolled = await CloudClient.enroll(sandbox.url, { enrollmentKey: key, name: 'bench', hostname: 'bench', version: AGENT_VERSION });
    if (!enrolled.ok) throw new Error('Enrollment with the sandbox failed.');
    const run = await deliverOurs({
      url: sandbox.url,
      enrollment: enrolled.value,
      outboxPath: path.join(dir, 'outbox.db'),
      source: 'scaling',
      records: receiptRecords(total),
      timeoutMs: 600_000,
      limits: { ...LIMITS, batchMaxRecords: perBatch, batchMaxBytes: Math.max(LIMITS.batchMaxBytes, perBatch * 1_000) },
    });
    if (run.problems.length > 0) throw new Error(run.problems.join('\n'));
    const accepted = (await sandbox.admin.counts()).recordsAccepted;
    if (accepted !== total) throw new Error(`The sandbox accepted ${accepted} of ${total} records.`);
    return { seconds: run.ms / 1000, recordsPerSec: total / (run.ms / 1000), batches: run.batches };
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const [dimension, sizeText, extra] = process.argv.slice(2);
const size = Number(sizeText);
if (!Number.isSafeInteger(size) || size <= 0) throw new Error(`usage: point.ts outbox|snapshot|batch <size> [total]; got ${sizeText}`);
const figures =
  dimension === 'outbox'
    ? outboxPoint(size)
    : dimension === 'snapshot'
      ? await snapshotPoint(size)
      : dimension === 'batch'
        ? await batchPoint(size, Number(extra ?? 20_000))
        : (() => {
            throw new Error(`Unknown dimension ${dimension}: outbox, snapshot or batch.`);
          })();
process.stdout.write(`${JSON.stringify({ ...figures, peakMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
