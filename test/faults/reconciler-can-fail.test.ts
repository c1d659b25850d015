/**
 * Acceptance: "each scenario's reconciler can fail". The same ending every fault scenario uses
 * (kit/exactly-once.ts) is run against agents that are broken on purpose, under the network
 * faults the scenarios inject, with the real Deliverer, outbox, sandbox and proxy:
 * The cloud drops the connection of the first batch requests (the sandbox's own fault, so it hits
 * batch requests and not token requests).
 *   - an agent whose record versions change with every attempt (and which therefore cannot keep
 *     its batch identity): the cloud applies a resent record again → duplicate effects;
 *   - an agent that treats a failed request as delivered (at most once) → lost rows.
 * Each must be caught. The honest agent under the same faults must pass, so the difference is the
 * broken idempotency and nothing else.
 *
 * @guarantee 1 the fault scenarios' own ending catches versions that change per attempt (duplicates) and ack-on-error (loss)
 */
import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchSettlement, BatchVerdict } from '../../agents/outbox/outbox-types.ts';
import type { DelivererOutbox } from '../../agents/delivery/index.ts';
import type { Outbox, OutboxBatch } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { waitFor } from '../helpers/agent-process.ts';
import { SOURCE, startCloudHarness, type CloudHarness } from './kit/cloud-harness.ts';
import { assertExactlyOnce, printReport, reconcileWithCloud, type ExactlyOnceReport } from './kit/exactly-once.ts';

const FAST_RETRY = { baseMs: 20, maxMs: 100 };

type RecordError = Parameters<DelivererOutbox['deadLetterBatch']>[1];
type Retry = Parameters<DelivererOutbox['retryBatch']>[1];

let harness: CloudHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Passes every call through to the real outbox; subclasses break one thing. */
class PassThroughOutbox implements DelivererOutbox {
  protected readonly inner: Outbox;
  constructor(inner: Outbox) {
    this.inner = inner;
  }
  nextBatch(opts: { lane: OutboxBatch["lane"]; maxRecords: number; maxBytes: number; excludeSources?: readonly string[] }): OutboxBatch | null {
    return this.inner.nextBatch(opts);
  }
  completeBatch(batchId: string, verdict: BatchVerdict): BatchSettlement {
    return this.inner.completeBatch(batchId, verdict);
  }
  retryBatch(batchId: string, retry: Retry): void {
    this.inner.retryBatch(batchId, retry);
  }
  splitBatch(batchId: string): void {
    this.inner.splitBatch(batchId);
  }
  deadLetterBatch(batchId: string, error: RecordError): void {
    this.inner.deadLetterBatch(batchId, error);
  }
  releaseInFlight(): void {
    this.inner.releaseInFlight();
  }
  stats(): { nextAttemptAt: number | null } {
    return this.inner.stats();
  }
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void {
    this.inner.raiseAlert(alert);
  }
  clearAlert(code: string): void {
    this.inner.clearAlert(code);
  }
}

/**
 * Seqs derived from the attempt, not fixed at capture (deterministic per attempt); a new batch id each
 * time: each resend looks like a new change to the cloud.
 */
class AttemptSeqOutbox extends PassThroughOutbox {
  readonly #real = new Map<string, string>();
  override nextBatch(opts: { lane: OutboxBatch["lane"]; maxRecords: number; maxBytes: number; excludeSources?: readonly string[] }): OutboxBatch | null {
    const batch = this.inner.nextBatch(opts);
    if (batch === null) return null;
    const batchId = ulid();
    this.#real.set(batchId, batch.batchId);
    const records = batch.records.map((r) => ({ ...r, seq: r.seq + batch.attempts * 1_000 }));
    return { ...batch, batchId, records };
  }
  override completeBatch(batchId: string, verdict: BatchVerdict): BatchSettlement {
    return this.inner.completeBatch(this.#real.get(batchId)!, verdict);
  }
  override retryBatch(batchId: string, retry: Retry): void {
    this.inner.retryBatch(this.#real.get(batchId)!, retry);
  }
  override splitBatch(batchId: string): void {
    this.inner.splitBatch(this.#real.get(batchId)!);
  }
  override deadLetterBatch(batchId: string, error: RecordError): void {
    this.inner.deadLetterBatch(this.#real.get(batchId)!, error);
  }
}

/** At most once: a request that failed is taken as delivered. */
class AckOnErrorOutbox extends PassThroughOutbox {
  override retryBatch(batchId: string): void {
    this.inner.completeBatch(batchId, { rejected: [], staleIndexes: [] });
  }
}

/**
 * Delivers 60 receipts with `outbox` (a wrapper or the real one) while the cloud drops the connection
 * of the first two batch requests, before handling them or after committing them; then reconciles.
 */
async function run(
  label: string,
  drop: 'beforeHandling' | 'afterCommit',
  wrap: (outbox: Outbox) => DelivererOutbox,
): Promise<{ report: ExactlyOnceReport; h: CloudHarness }> {
  harness = await startCloudHarness({ clock: systemClock, label, seed: 8 });
  const h = harness;
  await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', dropConnection: drop, times: 2 });
  const deliverer = h.deliverer({ outbox: wrap(h.outbox), retry: FAST_RETRY, batchMaxRecords: 20 });
  h.enqueue(0, 60);
  deliverer.start();
  await waitFor('the queue to empty', () => h.outbox.stats().depth === 0, { timeoutMs: 20_000 });
  await deliverer.stop();
  const report = await reconcileWithCloud(`reconciler-can-fail:${label}`, h.admin, SOURCE, h.sourceRows());
  printReport(report, { droppedRequests: report.counts.requests['POST /v1/batches']?.dropped ?? 0 });
  return { report, h };
}

/** The cloud committed, the agent saw a reset (a reset mid-response). */
const resetMidResponse = 'afterCommit';
/** The cloud never handled the request (a reset mid-request). */
const resetMidRequest = 'beforeHandling';

describe('the reconciler catches broken idempotency', () => {
  it('passes the honest agent under resets mid-response (control)', async () => {
    const { report } = await run('honest', resetMidResponse, (outbox) => outbox);
    expect(report.counts.retransmissions).toBeGreaterThanOrEqual(1);
    assertExactlyOnce(report);
  });

  it('reports changes applied twice when seqs change with each attempt', async () => {
    const { report } = await run('attempt-seqs', resetMidResponse, (outbox) => new AttemptSeqOutbox(outbox));
    const twice = report.history.problems.filter((p) => p.kind === 'applied_twice');
    expect(twice.length).toBeGreaterThan(0);
    // The cloud took the resent records for new changes: nothing looked like a retransmission to it.
    expect(report.counts.retransmissions).toBe(0);
    expect(() => assertExactlyOnce(report)).toThrow(/took effect [2-9] times/);
  });

  it('reports lost rows when a failed request is taken as delivered', async () => {
    const { report } = await run('ack-on-error', resetMidRequest, (outbox) => new AckOnErrorOutbox(outbox));
    const lost = report.streams.reduce((n, s) => n + s.result.lost.length, 0);
    expect(lost).toBeGreaterThan(0);
    expect(() => assertExactlyOnce(report)).toThrow(/lost [1-9]/);
  });
});
