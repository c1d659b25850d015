import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueRange, makeTempDir, ManualClock, openTestOutbox, type TempDir } from './outbox-test-kit.ts';
import type { Outbox } from './outbox.ts';

const DAY_MS = 86_400_000;
let tmp: TempDir;
let clock: ManualClock;
let outbox: Outbox;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
  outbox = openTestOutbox(tmp.path('outbox.db'), clock);
});

afterEach(() => {
  outbox.close();
  tmp.remove();
});

function deliverAll(): void {
  for (;;) {
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 1000, maxBytes: 10_000_000 });
    if (batch === null) return;
    outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
  }
}

function purgeAll(olderThanMs: number, limit: number): { forgotten: number; slices: number } {
  let forgotten = 0;
  for (let slices = 1; ; slices += 1) {
    const slice = outbox.purgeKeyMemory(olderThanMs, limit);
    forgotten += slice.forgotten;
    if (slice.passDone) return { forgotten, slices };
  }
}

describe('forgetting long-unchanged keys', () => {
  it('forgets delivered keys older than the cutoff and keeps newer ones', () => {
    enqueueRange(outbox, { stream: 'receipts' }, 0, 300); // 100 days ago
    enqueueRange(outbox, { stream: 'items' }, 0, 50); // 100 days ago, another stream
    deliverAll();
    clock.advance(100 * DAY_MS);
    enqueueRange(outbox, { stream: 'receipts' }, 300, 200); // today
    deliverAll();
    const cutoff = clock.now() - 90 * DAY_MS;
    const result = purgeAll(cutoff, 64);
    expect(result.forgotten).toBe(300 + 50);
    expect(result.slices).toBeGreaterThan(5); // walked in slices, not one transaction

    // A forgotten key read again unchanged is a change again (sent once more; the cloud says unchanged).
    expect(enqueueRange(outbox, { stream: 'receipts' }, 0, 10).inserted).toBe(10);
    // A remembered one is still recognised as unchanged.
    expect(enqueueRange(outbox, { stream: 'receipts' }, 300, 10)).toEqual({ inserted: 0, duplicates: 10 });
  });

  it('never forgets a key whose change is still queued', () => {
    enqueueRange(outbox, { stream: 'receipts' }, 0, 40); // queued, not delivered
    clock.advance(365 * DAY_MS);
    expect(purgeAll(clock.now() - DAY_MS, 16).forgotten).toBe(0);
    expect(enqueueRange(outbox, { stream: 'receipts' }, 0, 40)).toEqual({ inserted: 0, duplicates: 40 });
  });

  it('continues a pass where it stopped, across a reopen', () => {
    enqueueRange(outbox, { stream: 'receipts' }, 0, 100);
    deliverAll();
    clock.advance(200 * DAY_MS);
    const cutoff = clock.now() - 90 * DAY_MS;
    const first = outbox.purgeKeyMemory(cutoff, 30);
    expect(first).toEqual({ scanned: 30, forgotten: 30, passDone: false });
    outbox.close();
    outbox = openTestOutbox(tmp.path('outbox.db'), clock);
    expect(purgeAll(cutoff, 30).forgotten).toBe(70);
  });
});
