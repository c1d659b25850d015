/**
 * A source that keeps its checkpoint in parts (a snapshot manifest, api/checkpoint-parts.ts): the
 * capture loop hands the parts to the outbox with the page, so they commit with its checkpoint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointParts } from '../api/index.ts';
import { ManualClock, makeRecords, makeTempDir, openTestOutbox, type TempDir } from '../outbox/outbox-test-kit.ts';
import type { Outbox } from '../outbox/index.ts';
import type { ReadResult, Source } from '../pipeline/source.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { BackpressureGate } from './backpressure-gate.ts';
import { CaptureLoop } from './capture-loop.ts';
import { StatusTracker } from './status-tracker.ts';

/** One page whose checkpoint names a part it puts, then nothing. */
function snapshotSource(checkpointParts: CheckpointParts): Source & { acked: boolean } {
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
      const records = makeRecords('items', 1, 2);
      return Promise.resolve({ stream: 'items', lane: 'bulk', records, checkpoint: { parts: ['m1'] }, checkpointParts, caughtUp: true, ack: () => (source.acked = true) });
    },
  };
  return source;
}

describe('capture of a checkpoint kept in parts', () => {
  let tmp: TempDir | undefined;
  let outbox: Outbox | undefined;
  afterEach(() => {
    outbox?.close();
    tmp?.remove();
  });

  it('commits the page’s parts with its checkpoint', async () => {
    tmp = makeTempDir();
    const clock = new ManualClock();
    outbox = openTestOutbox(tmp.path('outbox.db'), clock);
    const box = outbox;
    const source = snapshotSource({ put: [{ id: 'm1', text: 'row 1, row 2', data: new Uint8Array([7, 8]) }], keep: ['m1'] });
    const status = new StatusTracker(clock);
    status.registerSource('erp', 'test');
    const loop = new CaptureLoop({
      source, outbox: box, status, clock, logger: createSilentLogger(), intervalMs: 60_000,
      onCommitted: () => undefined, gate: new BackpressureGate(box, () => undefined),
    });
    loop.start();
    for (let i = 0; i < 200 && !source.acked; i += 1) await new Promise((r) => setTimeout(r, 10));
    await loop.stop();
    expect(source.acked).toBe(true);
    expect(box.getCheckpoint('erp', 'items')).toEqual({ parts: ['m1'] });
    const part = box.getCheckpointPart('erp', 'items', 'm1');
    expect(part?.text).toBe('row 1, row 2');
    expect([...part!.data]).toEqual([7, 8]);
  });
});
