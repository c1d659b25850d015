/**
 * End-to-end delivery records/s into the sandbox cloud (its own process): the real Deliverer +
 * CloudClient + outbox vs a raw undici loop posting the same pre-built gzip batches, signed. Each
 * run sends the same records under a new source name on each side, so the cloud does the same
 * inserts for both (its dedupe is forever: resending the same keys would only count duplicates).
 *   node bench/delivery/index.ts [--quick] [--runs 5] [--in-flight 4]
 * `--in-flight` sets the deliverer's batches per lane in flight (1: the loop before pipelining).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudClient, IN_FLIGHT_PER_LANE } from '../../agents/delivery/index.ts';
import { benchArgs } from '../lib/bench-args.ts';
import { benchRow } from '../lib/bench-result.ts';
import { formatNumber } from '../lib/format-number.ts';
import { median } from '../lib/median.ts';
import { receiptRecords } from '../lib/receipt-records.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';
import { writeResult } from '../lib/write-result.ts';
import { localCostPerBatch } from './local-cost.ts';
import { AGENT_VERSION, LIMITS, deliverOurs } from './ours.ts';
import { postRaw, prebuildBatches } from './raw.ts';

const args = benchArgs({ 'in-flight': { default: String(IN_FLIGHT_PER_LANE) } });
const inFlightPerLane = Number(args.extra['in-flight']);
if (!Number.isInteger(inFlightPerLane) || inFlightPerLane < 1)
  throw new Error(`--in-flight ${String(args.extra['in-flight'])} is not a whole number ≥ 1.`);
const startedAt = new Date();
const recordCount = args.quick ? 5_000 : 20_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-delivery-'));
const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });

try {
  const { key } = await sandbox.admin.createEnrollmentKey({ entities: ['bench'] });
  const enrolled = await CloudClient.enroll(sandbox.url, {
    enrollmentKey: key,
    name: 'bench',
    hostname: 'bench',
    version: AGENT_VERSION,
  });
  if (!enrolled.ok)
    throw new Error(
      `Enrollment with the sandbox failed: ${'kind' in enrolled.outcome && 'error' in enrolled.outcome ? enrolled.outcome.error.message : enrolled.outcome.kind}`,
    );
  const enrollment = enrolled.value;
  const records = receiptRecords(recordCount);
  const ours: number[] = [];
  const raw: number[] = [];
  const problems: string[] = [];
  for (let run = 0; run < args.runs; run += 1) {
    const sides = [
      async () => {
        const result = await deliverOurs({
          url: sandbox.url,
          enrollment,
          outboxPath: path.join(dir, `outbox-${run}.db`),
          source: `ours-${run}`,
          records,
          timeoutMs: 300_000,
          inFlightPerLane,
        });
        ours.push(result.ms);
        problems.push(...result.problems.map((p) => `ours run ${run}: ${p}`));
      },
      async () => {
        const batches = prebuildBatches(enrollment.agentId, `raw-${run}`, records);
        const result = await postRaw({ url: sandbox.url, enrollment, batches });
        raw.push(result.ms);
        problems.push(...result.problems.map((p) => `raw run ${run}: ${p}`));
      },
    ];
    if (run % 2 === 1) sides.reverse();
    for (const side of sides) await side();
    process.stdout.write(
      `run ${run + 1}/${args.runs}: ours ${formatNumber(recordCount / (ours[run]! / 1000))} records/s, raw ${formatNumber(recordCount / (raw[run]! / 1000))} records/s\n`,
    );
  }
  // The cloud must hold every record of every run exactly once: a fast run that lost data is no result.
  const counts = await sandbox.admin.counts();
  const expected = recordCount * args.runs * 2;
  if (counts.recordsAccepted !== expected)
    problems.push(`the sandbox accepted ${counts.recordsAccepted} records, expected ${expected}`);
  if (problems.length > 0) throw new Error(`The delivery benchmark saw problems:\n${problems.join('\n')}`);

  const oursRate = recordCount / (median(ours) / 1000);
  const rawRate = recordCount / (median(raw) / 1000);
  const batchesPerRun = Math.ceil(recordCount / LIMITS.batchMaxRecords);
  const local = localCostPerBatch(path.join(dir, 'local-cost.db'), records);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  writeResult({
    name: 'delivery',
    title: 'End-to-end delivery to the sandbox vs a raw undici loop',
    mode: args.quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    durationSecs: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    runs: args.runs,
    rows: [
      benchRow({
        metric: `delivery to the sandbox, ${LIMITS.batchMaxRecords} records per gzip batch, signed`,
        ours: { value: oursRate, unit: 'records/s' },
        baseline: { label: 'raw undici loop, same batches', value: rawRate, unit: 'records/s' },
        target: { on: 'ratio', op: '>=', value: 0.8 },
      }),
    ],
    details: {
      recordsPerRun: recordCount,
      inFlightPerLane,
      batchesPerRun,
      localCostPerBatchMs: {
        lease: round(local.leaseMs),
        encode: round(local.encodeMs),
        complete: round(local.completeMs),
      },
      oursSamplesMs: ours.map(Math.round),
      rawSamplesMs: raw.map(Math.round),
      sandboxRecordsAccepted: counts.recordsAccepted,
    },
    notes: [
      `The sandbox runs in its own process; keep-alive, gzip level 6. Raw sends one request at a time; ours keeps up to ${inFlightPerLane} batches in flight (--in-flight).`,
      `Per batch of ${LIMITS.batchMaxRecords}, ours spends ${formatNumber(median(ours) / batchesPerRun)} ms and raw ${formatNumber(median(raw) / batchesPerRun)} ms; ` +
        `of ours, ${formatNumber(local.leaseMs)} ms go to leasing the batch from the outbox, ${formatNumber(local.encodeMs)} ms to its JSON and gzip ` +
        `(raw's are pre-built) and ${formatNumber(local.completeMs)} ms to recording its completion (the outbox is FULL; lease and completion commit without waiting for fsync). ` +
        'Pipelined, these overlap the round trip; with --in-flight 1 they add to it. Either way they cost CPU, which a loaded machine feels.',
    ],
  });
} finally {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
