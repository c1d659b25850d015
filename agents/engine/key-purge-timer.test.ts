import { afterEach, describe, expect, it } from 'vitest';
import { enqueueRange, makeTempDir, ManualClock, openTestOutbox } from '../outbox/outbox-test-kit.ts';
import { createSilentLogger } from '../telemetry/index.ts';
import { startKeyPurgeTimer } from './key-purge-timer.ts';

const DAY_MS = 86_400_000;
const tmp = makeTempDir();
afterEach(() => tmp.remove());

describe('the key purge timer', () => {
  it('runs a whole pass in slices in the background, and does nothing when the retention is 0', async () => {
    const clock = new ManualClock();
    const outbox = openTestOutbox(tmp.path('outbox.db'), clock);
    enqueueRange(outbox, { stream: 'receipts' }, 0, 120);
    for (let batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 1000, maxBytes: 1e7 }); batch; batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 1000, maxBytes: 1e7 })) {
      outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
    }
    clock.advance(10 * DAY_MS);
    let days = 0;
    let slices = 0;
    const purgeSlice = (olderThanMs: number, limit: number) => (slices++, outbox.purgeKeyMemory(olderThanMs, limit));
    const stop = startKeyPurgeTimer({ purgeSlice, afterDays: () => days, now: () => clock.now(), logger: createSilentLogger(), firstDelayMs: 0, everyMs: 20, sliceKeys: 25 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slices).toBe(0);
    days = 7;
    await new Promise((resolve) => setTimeout(resolve, 150));
    stop();
    expect(slices).toBeGreaterThanOrEqual(5);
    expect(enqueueRange(outbox, { stream: 'receipts' }, 0, 120).inserted).toBe(120);
    outbox.close();
  });
});
