/**
 * One point of the scaling benchmark, in its own process so its peak memory (VmHWM) is its own:
 *   node --expose-gc bench/scaling/point.ts outbox <max records> | snapshot <rows> [postgresql|mariadb] | batch <recordsPerBatch> [total]
 * Prints one JSON line: the figures of the point and `peakMiB`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudClient } from '../../agents/delivery/index.ts';
import { AGENT_VERSION, LIMITS, deliverOurs } from '../delivery/ours.ts';
import { benchSnapshotDiff } from '../odbc/snapshot-diff.ts';
import { measureOutboxScaling, scalingNotes } from '../outbox/scaling.ts';
import { receiptRecords } from '../lib/receipt-records.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';


/** Outbox depth: one file filled decade by decade up to `size` queued records (bench/outbox/scaling.ts). */
function outboxPoint(size: number): Record<string, unknown> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-scaling-outbox-'));
  try {
    const { rows, table } = measureOutboxScaling(path.join(dir, 'outbox.db'), size, (line) => process.stderr.write(`${line}\n`));
    return { rows, table, notes: scalingNotes(rows) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Snapshot diff of a table of `rows` rows after 0.1% changed (bench/odbc's diff, one run). */
async function snapshotPoint(rows: number, dialect: 'postgresql' | 'mariadb'): Promise<Record<string, number>> {
  const result = await benchSnapshotDiff(dialect, { rows, pageRows: 1_000, runs: 1, log: (line) => process.stderr.write(`${line}\n`) });
  const d = result.details as {
    diffMs: number[];
    countMs: number[];
    rowsPulled: number;
    firstRoundSecs: number;
    firstRoundStateMiB: number;
    diffStateKiB: number;
  };
  return {
    seconds: d.diffMs[0]! / 1000,
    countSecs: d.countMs[0]! / 1000,
    rowsPulled: d.rowsPulled,
    firstRoundSecs: d.firstRoundSecs,
    firstRoundStateMiB: d.firstRoundStateMiB,
    diffStateKiB: d.diffStateKiB,
  };
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
const figures: Record<string, unknown> =
  dimension === 'outbox'
    ? outboxPoint(size)
    : dimension === 'snapshot'
      ? await snapshotPoint(size, extra === 'mariadb' ? 'mariadb' : 'postgresql')
      : dimension === 'batch'
        ? await batchPoint(size, Number(extra ?? 20_000))
        : (() => {
            throw new Error(`Unknown dimension ${dimension}: outbox, snapshot or batch.`);
          })();
process.stdout.write(`${JSON.stringify({ ...figures, peakMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
