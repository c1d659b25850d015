/**
 * Pipelined batches of one stream may carry the same key and arrive in either order
 * (docs/architecture.md § Delivery pipelining): against the real sandbox, the later change sent
 * first stays the key's latest, the earlier one arriving after it is answered stale and the outbox
 * drops it as superseded; nothing is left queued and nothing is dead-lettered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatchRequest } from '../../agents/delivery/index.ts';
import type { OutboxBatch } from '../../agents/outbox/index.ts';
import { harness, runDeliveryCleanups, type Harness } from '../helpers/delivery-harness.ts';

afterEach(runDeliveryCleanups);

function receipt(total: string) {
  return {
    stream: 'sales_receipts',
    key: { receipt_id: '7' },
    op: 'upsert' as const,
    data: { receipt_id: '7', total },
    capturedAt: new Date().toISOString(),
  };
}

async function send(h: Harness, batch: OutboxBatch) {
  const outcome = await h.client().postBatch(buildBatchRequest(batch, h.enrollment.agentId, 'store-7'));
  if (outcome.kind !== 'delivered') throw new Error(`expected an answer, got ${outcome.kind}`);
  const { rejected, staleIndexes } = outcome.response;
  return { response: outcome.response, settled: h.outbox.completeBatch(batch.batchId, { rejected, staleIndexes }) };
}

describe('pipelined batches of one stream', () => {
  it('end with the newest change as the latest whichever batch arrives first', async () => {
    const h = await harness();
    const lease = () =>
      h.outbox.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: 4_000_000, whileEarlierInFlight: true })!;
    h.outbox.enqueue({ source: 'pos-db', stream: 'sales_receipts', lane: 'bulk', records: [receipt('1.00')], checkpoint: 1 });
    const earlier = lease();
    h.outbox.enqueue({ source: 'pos-db', stream: 'sales_receipts', lane: 'bulk', records: [receipt('2.00')], checkpoint: 2 });
    const later = lease();
    expect(later.batchId).not.toBe(earlier.batchId);

    const first = await send(h, later);
    expect(first.response).toMatchObject({ accepted: 1, stale: 0 });
    const second = await send(h, earlier);
    expect(second.response).toMatchObject({ accepted: 0, stale: 1, staleIndexes: [0] });
    expect(second.settled).toMatchObject({ superseded: 1, renumbered: 0, deadLettered: 0 });

    const [latest] = await h.admin.latest({ source: 'pos-db', stream: 'sales_receipts', key: { receipt_id: '7' } });
    expect(latest?.data?.total).toBe('2.00');
    expect(h.outbox.stats()).toMatchObject({ depth: 0, deadLetters: 0 });
  });
});
