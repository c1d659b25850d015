/**
 * The cloud's seq floor (cloud-api.md § Batches): an agent restored onto a new data folder whose
 * clock is behind the cloud's takes the floor before it numbers a change, so its first change of a
 * key the cloud already holds is accepted as the newest instead of being kept as stale history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Deliverer } from '../../agents/delivery/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import type { Clock } from '../../agents/pipeline/clock.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { seededRandom } from '../../agents/pipeline/seeded-random.ts';
import { createSilentLogger } from '../../agents/telemetry/logger.ts';
import { harness, runDeliveryCleanups, type Harness } from '../helpers/delivery-harness.ts';
import { waitFor } from '../helpers/agent-process.ts';

afterEach(runDeliveryCleanups);

const TWO_HOURS = 2 * 3_600_000;
const aheadClock: Clock = { now: () => systemClock.now() + TWO_HOURS, sleep: (ms, signal) => systemClock.sleep(ms, signal) };

function receipt(total: string) {
  return { stream: 'sales_receipts', key: { receipt_id: '7' }, op: 'upsert' as const, data: { receipt_id: '7', total }, capturedAt: new Date().toISOString() };
}

/** Delivers what `outbox` holds with the harness's credentials until it is empty. */
async function drain(h: Harness, outbox: Outbox): Promise<void> {
  const deliverer = new Deliverer({
    outbox,
    client: h.client(),
    agentId: h.enrollment.agentId,
    entity: 'store-7',
    limits: { batchMaxRecords: 100, batchMaxBytes: 4_000_000, batchMaxAgeMs: 0 },
    retry: { baseMs: 50, maxMs: 200 },
    clock: systemClock,
    random: seededRandom(7),
    logger: createSilentLogger(),
  });
  deliverer.start();
  deliverer.notify();
  try {
    await waitFor('the outbox to drain', () => outbox.stats().depth === 0, { timeoutMs: 15_000 });
  } finally {
    await deliverer.stop();
  }
}

describe('seq floors', () => {
  it('a restored agent on a clock two hours behind takes the floor first, so its change becomes the newest', async () => {
    const h = await harness();
    // The old server, whose clock ran two hours ahead, sent A.
    const dir = mkdtempSync(join(tmpdir(), 'tya-seq-ahead-'));
    const old = Outbox.open({ path: join(dir, 'o.db'), maxBytes: 1 << 24, synchronous: 'NORMAL', clock: aheadClock });
    try {
      old.enqueue({ source: 'pos-db', stream: 'sales_receipts', lane: 'bulk', records: [receipt('18.40')], checkpoint: 1 });
      await drain(h, old);
    } finally {
      old.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const floorBefore = h.outbox.seqClockState().floor;
    // The new server (the harness's outbox, clock behind) asks for a token: the floor comes with it.
    await h.client().fetchToken();
    const { floor } = h.outbox.seqClockState();
    expect(floor).toBeGreaterThan(floorBefore);
    expect(floor).toBeGreaterThan(systemClock.now() * 1000 + TWO_HOURS * 1000 - 60_000_000);

    h.outbox.enqueue({ source: 'pos-db', stream: 'sales_receipts', lane: 'bulk', records: [receipt('0.00')], checkpoint: 2 });
    await drain(h, h.outbox);
    const history = await h.admin.history({ source: 'pos-db', stream: 'sales_receipts', key: { receipt_id: '7' } });
    expect(history.map((e) => [e.data?.total, e.outcome])).toEqual([
      ['18.40', 'accepted'],
      ['0.00', 'accepted'],
    ]);
    const [latest] = await h.admin.latest({ source: 'pos-db', stream: 'sales_receipts', key: { receipt_id: '7' } });
    expect(latest?.data?.total).toBe('0.00');
  });

  it('without the floor the same change is kept only as history (stale): what the floor prevents', async () => {
    const h = await harness();
    const dir = mkdtempSync(join(tmpdir(), 'tya-seq-ahead-'));
    const old = Outbox.open({ path: join(dir, 'o.db'), maxBytes: 1 << 24, synchronous: 'NORMAL', clock: aheadClock });
    const behind = Outbox.open({ path: join(dir, 'b.db'), maxBytes: 1 << 24, synchronous: 'NORMAL', clock: systemClock });
    try {
      old.enqueue({ source: 'pos-db', stream: 'sales_receipts', lane: 'bulk', records: [receipt('18.40')], checkpoint: 1 });
      await drain(h, old);
      behind.enqueue({ source: 'pos-db', stream: 'sales_receipts', lane: 'bulk', records: [receipt('0.00')], checkpoint: 1 });
      const batch = behind.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
      const client = h.client();
      const outcome = await client.postBatch({
        batchId: batch.batchId,
        agentId: h.enrollment.agentId,
        entity: 'store-7',
        source: 'pos-db',
        stream: 'sales_receipts',
        schemaVersion: 1,
        createdAt: batch.createdAt,
        records: batch.records.map((r) => ({ key: r.key, op: r.op, version: r.version, seq: r.seq, capturedAt: r.capturedAt, data: r.data! })),
      });
      expect(outcome).toMatchObject({ kind: 'delivered', response: { stale: 1, staleIndexes: [0] } });
      // Still its key's newest change: the outbox renumbers it for another try rather than dropping it.
      if (outcome.kind !== 'delivered') return;
      const settled = behind.completeBatch(batch.batchId, outcome.response);
      expect(settled.renumbered).toBe(1);
      expect(behind.stats().depth).toBe(1);
    } finally {
      old.close();
      behind.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
