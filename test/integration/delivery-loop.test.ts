/**
 * The delivery loop against the real sandbox on loopback, with a real outbox file and the real
 * keychain: volume, token expiry, Retry-After, 413 splits, per-record rejections, revocation.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../agents/pipeline/clock.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';

import { harness, runDeliveryCleanups, type Harness } from '../helpers/delivery-harness.ts';

afterEach(runDeliveryCleanups);


async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

const drained = (h: Harness) => () => h.outbox.stats().depth === 0;

describe('Deliverer against the sandbox', () => {
  it('delivers 1,000 records in batches exactly once, gzipped, money as strings', async () => {
    const h = await harness();
    const deliverer = h.deliverer({ batchMaxRecords: 100 });
    deliverer.start();
    for (let chunk = 0; chunk < 4; chunk++) {
      h.enqueue(chunk * 250, 250);
      deliverer.notify();
    }
    await waitFor(drained(h), 'the outbox to drain');

    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(1000);
    expect(counts.duplicates).toBe(0);
    expect(counts.rejected).toBe(0);
    expect(counts.retransmissions).toBe(0);
    expect(counts.batchesApplied).toBeGreaterThanOrEqual(10);
    expect(h.outbox.stats().delivered).toBe(1000);

    const records = await h.admin.records({ limit: 5000 });
    expect(new Set(records.map((r) => r.key.receipt_id)).size).toBe(1000);
    expect(records.find((r) => r.key.receipt_id === '7')?.data).toMatchObject({ total: '7.50' });
    expect((await h.admin.batches()).every((b) => b.contentEncoding === 'gzip')).toBe(true);
    const delivered = h.events.filter((e) => e.type === 'delivered');
    expect(delivered.reduce((sum, e) => sum + (e.type === 'delivered' ? e.accepted : 0), 0)).toBe(1000);
    expect(h.events.filter((e) => e.type === 'cloud-ok')).toHaveLength(1);
  });

  it('gets a new token when the cloud says the cached one expired, and refreshes short-lived tokens early', async () => {
    const h = await harness({ tokenTtlSecs: 1 });
    // A clock that never moves: this client trusts its cached token until the cloud refuses it.
    const frozenAt = Date.now();
    const frozen: Clock = { now: () => frozenAt, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    const deliverer = h.deliverer({ client: h.client(frozen) });
    deliverer.start();
    h.enqueue(0, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the first batch');

    const early = h.client();
    const firstToken = await early.fetchToken();
    await sleep(1_100);
    // This client's clock moved past half the token's life, so it fetched a new one before using it.
    expect(await early.fetchToken()).not.toBe(firstToken);

    h.enqueue(10, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the second batch');

    const counts = await h.admin.counts();
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 2, '401': 1 });
    expect(counts.requests['POST /v1/oauth/token']).toEqual({ '200': 4 });
    // The refresh and the second try happened inside the one delivery attempt: no retry was scheduled.
    expect(h.events.filter((e) => e.type === 'retry-scheduled')).toEqual([]);
    expect(counts.recordsAccepted).toBe(20);
  });

  it('waits at least Retry-After after a 503, then delivers', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', status: 503, retryAfter: 2, times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 10);
    deliverer.start();
    await waitFor(drained(h), 'delivery after the 503', 8_000);

    const batchLines = h.requests.filter((r) => r.sentence.startsWith('POST /v1/batches'));
    expect(batchLines.map((r) => /answered (\d+)/.exec(r.sentence)?.[1])).toEqual(['503', '200']);
    expect(batchLines[1]!.at - batchLines[0]!.at).toBeGreaterThanOrEqual(2_000);
    const retry = h.events.find((e) => e.type === 'retry-scheduled');
    expect(retry).toMatchObject({ code: 'service_unavailable' });
    expect(retry?.type === 'retry-scheduled' && retry.waitMs).toBeGreaterThanOrEqual(2_000);
    expect((await h.admin.counts()).recordsAccepted).toBe(10);
  });

  it('splits a batch the cloud finds too large (413) until every record is delivered', async () => {
    const h = await harness({ maxRecordsPerBatch: 50 });
    const deliverer = h.deliverer({ batchMaxRecords: 200 });
    h.enqueue(0, 200);
    deliverer.start();
    await waitFor(drained(h), 'the split batches');

    const counts = await h.admin.counts();
    // 200 → 413; 100 + 100 → 413 each; four batches of 50 → 200.
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 4, '413': 3 });
    expect(counts.recordsAccepted).toBe(200);
    expect(h.outbox.stats().deadLetters).toBe(0);
    expect(h.events.filter((e) => e.type === 'split')).toHaveLength(3);
  });

  it('dead-letters only the record the cloud rejects and delivers the rest', async () => {
    const h = await harness();
    const deliverer = h.deliverer();
    h.enqueue(0, 20, {
      tweak: (r) => {
        if (r.key.receipt_id === '5') r.data = { ...r.data, total: 12.5 };
      },
    });
    deliverer.start();
    await waitFor(drained(h), 'the batch');

    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(19);
    expect(counts.rejected).toBe(1);
    const deadLetters = h.outbox.listDeadLetters();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ key: { receipt_id: '5' }, reasonCode: 'number_not_allowed' });
    expect(deadLetters[0]!.reasonMessage).toContain('data.total');
    expect(h.outbox.stats().delivered).toBe(19);
    expect(h.events.find((e) => e.type === 'delivered')).toMatchObject({ accepted: 19, rejected: 1 });
  });

  it('stops delivering when the agent is revoked, keeps the queue and raises a critical alert', async () => {
    const h = await harness();
    const deliverer = h.deliverer();
    deliverer.start();
    h.enqueue(0, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the first batch');

    await h.admin.revokeAgent(h.enrollment.agentId);
    h.enqueue(10, 10);
    deliverer.notify();
    await waitFor(() => h.events.some((e) => e.type === 'revoked'), 'the revocation');
    await sleep(300);

    expect(deliverer.halted?.kind).toBe('revoked');
    expect(h.outbox.stats().depth).toBe(10);
    expect(h.outbox.listAlerts()).toContainEqual(
      expect.objectContaining({ code: 'agent_revoked', severity: 'critical' }),
    );
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(10);
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 1, '401': 1 });

    // The batch was not dead-lettered: it waits, unchanged, for the halt's next try in 5 minutes.
    await deliverer.stop();
    const nextTry = h.outbox.stats().nextAttemptAt!;
    expect(nextTry - Date.now()).toBeGreaterThan(290_000);
    expect(h.outbox.listDeadLetters()).toEqual([]);
  });
});
