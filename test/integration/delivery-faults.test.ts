/**
 * Delivery under faults, against the real sandbox on loopback with a real outbox file and the real
 * keychain: urgent records overtaking a stuck bulk request, the cloud going away and coming back on
 * the same port, a connection dropped after the cloud committed, and stop() with a request in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';

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

async function faultsArmed(h: Harness): Promise<number> {
  const response = await fetch(`${h.sandbox.url}/admin/faults`);
  return ((await response.json()) as { faults: unknown[] }).faults.length;
}

describe('Deliverer under faults', () => {
  it('delivers an urgent record while a bulk request is stuck in the cloud', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 3_000, times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 50, { stream: 'sales_lines' });
    deliverer.start();
    await waitFor(async () => (await faultsArmed(h)) === 0, 'the bulk request to reach the slow cloud');

    const enqueuedAt = Date.now();
    h.enqueue(9000, 1, { stream: 'shift_close', lane: 'urgent' });
    deliverer.notify();
    await waitFor(() => h.events.some((e) => e.type === 'delivered' && e.lane === 'urgent'), 'the urgent batch');
    const urgentAfterMs = Date.now() - enqueuedAt;
    expect(h.events.some((e) => e.type === 'delivered' && e.lane === 'bulk')).toBe(false);
    expect(urgentAfterMs).toBeLessThan(1_500);

    await waitFor(drained(h), 'the bulk batch', 8_000);
    const lanes = h.events.filter((e) => e.type === 'delivered').map((e) => (e.type === 'delivered' ? e.lane : ''));
    expect(lanes).toEqual(['urgent', 'bulk']);
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(51);
    expect(counts.duplicates).toBe(0);
  });

  it('holds the queue while the cloud is down and drains it, once, when it is back on the same port', async () => {
    const h = await harness();
    const deliverer = h.deliverer({ batchMaxRecords: 25 });
    deliverer.start();
    h.enqueue(0, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the first batch');

    await h.stopCloud();
    h.enqueue(10, 100);
    deliverer.notify();
    await waitFor(
      () => h.events.filter((e) => e.type === 'retry-scheduled').length >= 3,
      'retries while the cloud is down',
    );
    expect(h.outbox.stats().depth).toBe(100);
    const refused = h.events.find((e) => e.type === 'cloud-error');
    expect(refused).toMatchObject({ code: 'network_error' });
    expect(refused?.type === 'cloud-error' && refused.message).toContain('connection refused');

    await h.startCloud();
    await waitFor(drained(h), 'the queue to drain after the cloud came back');
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(110);
    expect(counts.duplicates).toBe(0);
    const records = await h.admin.records({ limit: 1000 });
    expect(new Set(records.map((r) => r.key.receipt_id)).size).toBe(110);
    expect(h.events.filter((e) => e.type === 'cloud-ok')).toHaveLength(2);
  });

  it('resends a batch whose answer was lost after the commit; the cloud replays it and applies nothing twice', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', dropConnection: 'afterCommit', times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 30);
    deliverer.start();
    await waitFor(drained(h), 'the batch');

    const counts = await h.admin.counts();
    expect(counts.requests['POST /v1/batches']).toEqual({ dropped: 1, '200': 1 });
    expect(counts.retransmissions).toBe(1);
    expect(counts.recordsAccepted).toBe(30);
    expect(counts.duplicates).toBe(0);
    expect(counts.batchesApplied).toBe(1);
    expect(await h.admin.records({ limit: 100 })).toHaveLength(30);
    expect(h.events.find((e) => e.type === 'retry-scheduled')).toMatchObject({ code: 'network_error' });
  });

  it('stop() aborts a request the cloud sits on and hands the batch back untouched', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 5_000, times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 5);
    deliverer.start();
    await waitFor(async () => (await faultsArmed(h)) === 0, 'the request to reach the slow cloud');

    const stopping = Date.now();
    await deliverer.stop({ graceMs: 100 });
    expect(Date.now() - stopping).toBeLessThan(2_000);
    expect(h.events.filter((e) => e.type === 'retry-scheduled')).toEqual([]);

    const again = h.deliverer();
    again.start();
    await waitFor(drained(h), 'the batch after a restart', 8_000);
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(5);
    expect(counts.duplicates).toBe(0);
  });
});
