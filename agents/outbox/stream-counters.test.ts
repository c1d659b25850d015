/**
 * Delivered per stream (issue 9): counted in the batch's own transaction as the records sent minus
 * those refused, i.e. what the cloud counts as accepted + duplicates + stale; kept across a
 * restart and readable by `status` from a read-only outbox.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import { ManualClock, enqueueRange, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
});
afterEach(() => tmp.remove());

describe('delivered per stream', () => {
  it('counts each completed batch minus its refusals, per stream, across a restart', () => {
    const path = tmp.path('o.db');
    const outbox = openTestOutbox(path, clock);
    enqueueRange(outbox, { stream: 'receipts' }, 1, 10);
    enqueueRange(outbox, { stream: 'shifts', lane: 'urgent' }, 1, 3);
    const shifts = outbox.nextBatch({ lane: 'urgent', maxRecords: 100, maxBytes: 1_000_000 })!;
    outbox.completeBatch(shifts.batchId, { rejected: [], staleIndexes: [] });
    const first = outbox.nextBatch({ lane: 'bulk', maxRecords: 6, maxBytes: 1_000_000 })!;
    // The same index twice counts once; the cloud refused two records of six.
    outbox.completeBatch(first.batchId, {
      rejected: [
        { index: 1, code: 'unknown_customer', message: 'No such customer.' },
        { index: 4, code: 'unknown_customer', message: 'No such customer.' },
        { index: 4, code: 'unknown_customer', message: 'No such customer.' },
      ],
      staleIndexes: [],
    });
    const second = outbox.nextBatch({ lane: 'bulk', maxRecords: 6, maxBytes: 1_000_000 })!;
    outbox.retryBatch(second.batchId, {
      nextAttemptAt: clock.now(),
      error: { code: 'timeout', message: 'Timed out.' },
    });
    expect(outbox.deliveredByStream()).toEqual([
      { source: 'pos', stream: 'receipts', delivered: 4 },
      { source: 'pos', stream: 'shifts', delivered: 3 },
    ]);
    outbox.close();

    const readonly = Outbox.openReadonly(path, clock);
    expect(readonly.deliveredByStream()).toEqual([
      { source: 'pos', stream: 'receipts', delivered: 4 },
      { source: 'pos', stream: 'shifts', delivered: 3 },
    ]);
    // The meta table's other counters are untouched by the per-stream rows.
    expect(readonly.stats()).toMatchObject({ delivered: 7, deadLetters: 2, depth: 4 });
    readonly.close();
  });
});
