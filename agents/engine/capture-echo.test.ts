/**
 * Write-back echoes (issue 14): a row that is only the ERP's import of what write-back wrote is not
 * queued as a change, while the page's checkpoint still commits and the other rows are queued.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../api/index.ts';
import { ManualClock, makeRecords, makeTempDir, openTestOutbox, type TempDir } from '../outbox/outbox-test-kit.ts';
import type { Outbox } from '../outbox/index.ts';
import type { ReadResult, Source } from '../pipeline/source.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { BackpressureGate } from './backpressure-gate.ts';
import { CaptureLoop } from './capture-loop.ts';
import { StatusTracker } from './status-tracker.ts';

/** A source with one page of three rows, then nothing: the plugin contract, nothing more. */
function onePageSource(records: SourceRecord[]): Source & { acked: boolean } {
  let read = false;
  const source = {
    name: 'erp',
    type: 'test',
    acked: false,
    connect: () => Promise.resolve(),
    close: () => Promise.resolve(),
    read: (): Promise<ReadResult | null> => {
      if (read) return Promise.resolve(null);
      read = true;
      return Promise.resolve({ stream: 'gl_accounts', lane: 'bulk', records, checkpoint: { page: 1 }, caughtUp: true, ack: () => (source.acked = true) });
    },
  };
  return source;
}

describe('capture and write-back echoes', () => {
  let tmp: TempDir | undefined;
  let outbox: Outbox | undefined;
  afterEach(() => {
    outbox?.close();
    tmp?.remove();
  });

  it('drops the echo, queues the rest and commits the checkpoint', async () => {
    tmp = makeTempDir();
    const clock = new ManualClock();
    outbox = openTestOutbox(tmp.path('outbox.db'), clock);
    const box = outbox;
    const source = onePageSource(makeRecords('gl_accounts', 1, 3));
    const seen: string[] = [];
    const status = new StatusTracker(clock);
    status.registerSource('erp', 'test');
    const loop = new CaptureLoop({
      source, outbox: box, status, clock, logger: createSilentLogger(), intervalMs: 60_000,
      onCommitted: () => undefined, gate: new BackpressureGate(box, () => undefined),
      isEcho: (stream, record) => (seen.push(`${stream}:${record.key.id}`), record.key.id === '2'),
    });
    loop.start();
    for (let i = 0; i < 200 && !source.acked; i += 1) await new Promise((r) => setTimeout(r, 10));
    await loop.stop();
    expect(seen).toEqual(['gl_accounts:1', 'gl_accounts:2', 'gl_accounts:3']);
    expect(box.getCheckpoint('erp', 'gl_accounts')).toEqual({ page: 1 });
    const batch = box.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect(batch.records.map((r) => r.key.id)).toEqual(['1', '3']);
  });
});
