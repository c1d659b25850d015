import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchRequestSchema } from '../api/index.ts';
import type { Outbox } from './outbox.ts';
import type { OutboxBatch } from './outbox-types.ts';
import {
  ManualClock,
  enqueueRange,
  makeRecords,
  makeTempDir,
  openTestOutbox,
  type TempDir,
} from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;
const open: Outbox[] = [];
const BIG = { maxRecords: 5_000, maxBytes: 10_000_000 };

function openOutbox(): Outbox {
  const outbox = openTestOutbox(tmp.path('o.db'), clock);
  open.push(outbox);
  return outbox;
}

function reopen(outbox: Outbox): Outbox {
  outbox.close();
  return openOutbox();
}

function ids(batch: OutboxBatch | null): string[] {
  return batch === null ? [] : batch.records.map((r) => r.key.id!);
}

function range(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(from + i));
}

function wireRecords(batch: OutboxBatch): string {
  return JSON.stringify((JSON.parse(body(batch)) as { records: unknown[] }).records);
}

/** The request body delivery would send: what must stay byte-identical across retries. */
function body(batch: OutboxBatch): string {
  return JSON.stringify({
    batchId: batch.batchId,
    agentId: 'ag_1',
    entity: 'store-7',
    source: batch.source,
    stream: batch.stream,
    schemaVersion: 1,
    createdAt: batch.createdAt,
    records: batch.records.map(({ key, op, version, seq, capturedAt, data }) => ({
      key,
      op,
      version,
      seq,
      capturedAt,
      data,
    })),
  });
}

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
});
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
  tmp.remove();
});

describe('Outbox.nextBatch', () => {
  it('forms a batch of one stream from the oldest records, valid for the cloud contract', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 3);
    enqueueRange(outbox, { stream: 'items' }, 0, 3);
    enqueueRange(outbox, { stream: 'receipts' }, 3, 3);
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 4, maxBytes: 1_000_000 })!;
    expect(batch).toMatchObject({ source: 'pos', stream: 'receipts', lane: 'bulk', attempts: 0 });
    expect(batch.createdAt).toBe(new Date(clock.now()).toISOString());
    expect(ids(batch)).toEqual(range(0, 4));
    expect(BatchRequestSchema.safeParse(JSON.parse(body(batch))).success).toBe(true);
    expect(ids(outbox.nextBatch({ lane: 'bulk', ...BIG }))).toEqual(range(0, 3)); // items
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull(); // receipts has a batch open
  });

  it('returns an urgent batch although 10,000 bulk records are older', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts', lane: 'bulk' }, 0, 10_000);
    enqueueRange(outbox, { stream: 'shift_close', lane: 'urgent' }, 0, 1);
    const urgent = outbox.nextBatch({ lane: 'urgent', ...BIG })!;
    expect(urgent).toMatchObject({ stream: 'shift_close', lane: 'urgent' });
    expect(ids(urgent)).toEqual(['0']);
    const bulk = outbox.nextBatch({ lane: 'bulk', maxRecords: 500, maxBytes: 10_000_000 })!;
    expect(bulk.lane).toBe('bulk');
    expect(ids(bulk)).toEqual(range(0, 500));
    expect(outbox.stats()).toMatchObject({ depth: 10_001, urgentDepth: 1 });
  });

  it('keeps a batch under maxBytes of request body, but always takes at least one record', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 10);
    const one = wireRecords(outbox.nextBatch({ lane: 'bulk', maxRecords: 1, maxBytes: 1 })!).slice(1, -1);
    outbox.releaseInFlight();
    // The 1-byte batch was formed and persisted: it comes back first. Settle it.
    const first = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(ids(first)).toEqual(['0']);
    outbox.completeBatch(first.batchId, { rejected: [], staleIndexes: [] });

    const limit = 3 * (one.length + 1) + 5; // room for three records (and commas) but not four
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: limit })!;
    expect(ids(batch)).toEqual(['1', '2', '3']);
    expect(wireRecords(batch).length).toBeLessThanOrEqual(limit);
  });

  it('does not hand out a batch twice while it is in flight; releaseInFlight hands it out again', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 3);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull();
    outbox.releaseInFlight();
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toEqual(batch);
  });

  it('hands out the same batch (id, createdAt, records, body) after close and reopen', () => {
    let outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 5);
    const before = outbox.nextBatch({ lane: 'bulk', maxRecords: 3, maxBytes: 1_000_000 })!;
    clock.advance(5 * 60_000);
    outbox = reopen(outbox);
    enqueueRange(outbox, { stream: 'receipts' }, 5, 5);
    const after = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(after).toEqual(before);
    expect(body(after)).toBe(body(before));
  });

  it('keeps retry state across restarts: attempts, next attempt time, and the batch waits until due', () => {
    let outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 2);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    const due = clock.now() + 60_000;
    outbox.retryBatch(batch.batchId, {
      nextAttemptAt: due,
      error: { code: 'http_503', message: 'Service Unavailable' },
    });
    outbox = reopen(outbox);
    expect(outbox.stats().nextAttemptAt).toBe(due);
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull();
    clock.advance(59_999);
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull();
    clock.advance(1);
    const again = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(again.batchId).toBe(batch.batchId);
    expect(again.attempts).toBe(1);
    expect(again.records.map((r) => r.attempts)).toEqual([1, 1]);
    expect(body(again)).toBe(body(batch));
  });

  it('lets other streams go while one waits for its retry, but keeps that stream in order', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 2);
    const waiting = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    outbox.retryBatch(waiting.batchId, {
      nextAttemptAt: clock.now() + 10_000,
      error: { code: 'timeout', message: 't' },
    });
    enqueueRange(outbox, { stream: 'receipts' }, 2, 2);
    enqueueRange(outbox, { stream: 'items' }, 0, 2);

    const other = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(other.stream).toBe('items');
    outbox.completeBatch(other.batchId, { rejected: [], staleIndexes: [] });
    // Newer receipts must not overtake the waiting ones.
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull();

    clock.advance(10_000);
    const retried = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(retried.batchId).toBe(waiting.batchId);
    outbox.completeBatch(retried.batchId, { rejected: [], staleIndexes: [] });
    expect(ids(outbox.nextBatch({ lane: 'bulk', ...BIG }))).toEqual(['2', '3']);
  });
});

describe('Outbox.nextBatch for a pipelining sender (whileEarlierInFlight)', () => {
  const PIPE = { maxRecords: 2, maxBytes: 10_000_000, whileEarlierInFlight: true };

  it('hands out a stream’s next batches while its earlier ones are in flight, each record once', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 5);
    const first = outbox.nextBatch({ lane: 'bulk', ...PIPE })!;
    const second = outbox.nextBatch({ lane: 'bulk', ...PIPE })!;
    const third = outbox.nextBatch({ lane: 'bulk', ...PIPE })!;
    expect([ids(first), ids(second), ids(third)]).toEqual([range(0, 2), range(2, 2), ['4']]);
    expect(outbox.nextBatch({ lane: 'bulk', ...PIPE })).toBeNull();
    // Without the option the stream still waits for its open batches.
    enqueueRange(outbox, { stream: 'receipts' }, 5, 1);
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull();
    for (const batch of [third, first, second]) outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
    expect(ids(outbox.nextBatch({ lane: 'bulk', ...PIPE }))).toEqual(['5']);
  });

  it('a batch waiting for its retry holds its stream back; batches already out are not recalled', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 6);
    const first = outbox.nextBatch({ lane: 'bulk', ...PIPE })!;
    const second = outbox.nextBatch({ lane: 'bulk', ...PIPE })!;
    outbox.retryBatch(first.batchId, { nextAttemptAt: clock.now() + 10_000, error: { code: 'http_503', message: 'busy' } });
    expect(outbox.nextBatch({ lane: 'bulk', ...PIPE })).toBeNull();
    outbox.completeBatch(second.batchId, { rejected: [], staleIndexes: [] });
    expect(outbox.nextBatch({ lane: 'bulk', ...PIPE })).toBeNull();
    clock.advance(10_000);
    expect(outbox.nextBatch({ lane: 'bulk', ...PIPE })!.batchId).toBe(first.batchId);
    expect(ids(outbox.nextBatch({ lane: 'bulk', ...PIPE }))).toEqual(range(4, 2));
  });

  it('after a restart sends the formed batches of a stream in order, the later ones behind the first in flight', () => {
    let outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 4);
    const formed = [outbox.nextBatch({ lane: 'bulk', ...PIPE })!, outbox.nextBatch({ lane: 'bulk', ...PIPE })!];
    outbox = reopen(outbox);
    const again = [outbox.nextBatch({ lane: 'bulk', ...PIPE })!, outbox.nextBatch({ lane: 'bulk', ...PIPE })!];
    expect(again).toEqual(formed);
    expect(outbox.nextBatch({ lane: 'bulk', ...PIPE })).toBeNull();
  });
});

describe('settling batches', () => {
  it('completeBatch deletes delivered records and dead-letters rejected ones by index', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 4);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    outbox.completeBatch(batch.batchId, {
      rejected: [
        { index: 1, code: 'invalid_total', message: 'total is not a decimal' },
        { index: 3, code: 'unknown_currency', message: 'XXX' },
      ],
      staleIndexes: [],
    });
    expect(outbox.stats()).toMatchObject({ depth: 0, delivered: 2, deadLetters: 2 });
    const letters = outbox.listDeadLetters();
    expect(letters.map((l) => [l.key.id, l.reasonCode, l.reasonMessage, l.attempts])).toEqual([
      ['1', 'invalid_total', 'total is not a decimal', 1],
      ['3', 'unknown_currency', 'XXX', 1],
    ]);
    expect(letters[0]!.version).toBe(batch.records[1]!.version);
    expect(() => outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] })).toThrow(/No batch/);
    // The delivered counter survives a restart.
    expect(reopen(outbox).stats().delivered).toBe(2);
  });

  it('rejects a rejection index outside the batch and changes nothing', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 2);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(() =>
      outbox.completeBatch(batch.batchId, { rejected: [{ index: 2, code: 'x', message: 'x' }], staleIndexes: [] }),
    ).toThrow(/outside batch/);
    expect(outbox.stats()).toMatchObject({ depth: 2, delivered: 0, deadLetters: 0 });
  });

  it('splitBatch replaces a batch with its two halves, in order, with new ids', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 5);
    const whole = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    clock.advance(1_000);
    outbox.splitBatch(whole.batchId);
    const first = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(ids(first)).toEqual(['0', '1', '2']);
    expect(first.batchId).not.toBe(whole.batchId);
    expect(first.createdAt).toBe(new Date(clock.now()).toISOString());
    // The second half waits for the first.
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull();
    outbox.splitBatch(first.batchId); // [0,1] and [2], ahead of [3,4]
    expect(ids(outbox.nextBatch({ lane: 'bulk', ...BIG }))).toEqual(['0', '1']);
    outbox.releaseInFlight();
    const order: string[][] = [];
    for (
      let b = outbox.nextBatch({ lane: 'bulk', ...BIG });
      b !== null;
      b = outbox.nextBatch({ lane: 'bulk', ...BIG })
    ) {
      order.push(ids(b));
      outbox.completeBatch(b.batchId, { rejected: [], staleIndexes: [] });
    }
    expect(order).toEqual([['0', '1'], ['2'], ['3', '4']]);
    expect(outbox.stats()).toMatchObject({ depth: 0, delivered: 5 });
  });

  it('splitBatch of a single record dead-letters it as payload_too_large', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts' }, 0, 1);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    outbox.splitBatch(batch.batchId);
    expect(outbox.stats()).toMatchObject({ depth: 0, deadLetters: 1 });
    const [letter] = outbox.listDeadLetters();
    expect(letter).toMatchObject({ reasonCode: 'record_too_large', key: { id: '0' } });
    expect(letter!.reasonMessage).toMatch(/too large.*413/);
    expect(outbox.nextBatch({ lane: 'bulk', ...BIG })).toBeNull();
  });

  it('deadLetterBatch moves every record with the error and frees the stream', () => {
    const outbox = openOutbox();
    enqueueRange(outbox, { stream: 'receipts', lane: 'urgent' }, 0, 3);
    const batch = outbox.nextBatch({ lane: 'urgent', ...BIG })!;
    outbox.retryBatch(batch.batchId, { nextAttemptAt: clock.now(), error: { code: 'http_500', message: 'oops' } });
    const again = outbox.nextBatch({ lane: 'urgent', ...BIG })!;
    outbox.deadLetterBatch(again.batchId, { code: 'http_400', message: 'Bad Request: unknown stream' });
    const letters = outbox.listDeadLetters();
    expect(letters.map((l) => [l.key.id, l.lane, l.reasonCode, l.attempts, l.failedAt])).toEqual(
      range(0, 3).map((id) => [id, 'urgent', 'http_400', 2, new Date(clock.now()).toISOString()]),
    );
    expect(outbox.stats()).toMatchObject({ depth: 0, urgentDepth: 0, deadLetters: 3 });
    enqueueRange(outbox, { stream: 'receipts', lane: 'urgent' }, 3, 1);
    expect(ids(outbox.nextBatch({ lane: 'urgent', ...BIG }))).toEqual(['3']);
  });

  it('survives a batch formed from a record with odd content', () => {
    const outbox = openOutbox();
    outbox.enqueue({
      source: 'pos',
      stream: 'receipts',
      lane: 'bulk',
      records: makeRecords('receipts', 0, 1, {
        data: () => ({ 'z"quote': 'ü\u0000\u2028', a: [1.5, null, { b: false }] }),
      }),
      checkpoint: { next: 1 },
    });
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(batch.records[0]!.data).toEqual({ a: [1.5, null, { b: false }], 'z"quote': 'ü\u0000\u2028' });
    expect(Object.keys(batch.records[0]!.data!)).toEqual(['a', 'z"quote']);
  });
});
