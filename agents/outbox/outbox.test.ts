import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackOffError } from '../pipeline/errors.ts';
import { recordVersion } from './record-version.ts';
import type { Outbox } from './outbox.ts';
import { OutboxFullError } from './outbox-full-error.ts';
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

function track(outbox: Outbox): Outbox {
  open.push(outbox);
  return outbox;
}

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
});
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
  tmp.remove();
});

function countRows(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('Outbox.enqueue', () => {
  it('stores records with their versions and the checkpoint together', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock));
    const records = makeRecords('receipts', 0, 3);
    expect(
      outbox.enqueue({
        source: 'pos',
        stream: 'receipts',
        lane: 'bulk',
        records,
        checkpoint: { cursor: '2026-11-29T14:00:00Z', n: 3 },
      }),
    ).toEqual({
      inserted: 3,
      duplicates: 0,
    });
    expect(outbox.getCheckpoint('pos', 'receipts')).toEqual({ n: 3, cursor: '2026-11-29T14:00:00Z' });
    expect(outbox.getCheckpoint('pos', 'other')).toBeUndefined();
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect(batch.records.map((r) => r.version)).toEqual(records.map((r) => recordVersion(r)));
    expect(batch.records.map((r) => r.data)).toEqual(records.map((r) => r.data));
  });

  it('checks every record and the checkpoint before writing: one bad value leaves both unchanged', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock));
    enqueueRange(outbox, { stream: 'receipts' }, 0, 2);
    const bad = { source: 'pos', stream: 'receipts', lane: 'bulk' as const, records: makeRecords('receipts', 2, 2) };
    expect(() => outbox.enqueue({ ...bad, checkpoint: { n: NaN } })).toThrow(/NaN/);
    const records = makeRecords('receipts', 2, 2);
    records[1]!.data = { amount: 10n } as never;
    expect(() => outbox.enqueue({ ...bad, records, checkpoint: { next: 4 } })).toThrow(/bigint/);
    expect(outbox.stats().depth).toBe(2);
    expect(outbox.getCheckpoint('pos', 'receipts')).toEqual({ next: 2 });
  });

  it('ignores a record that is already pending with the same version, counting it as a duplicate', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock));
    enqueueRange(outbox, { stream: 'receipts' }, 0, 5);
    const again = makeRecords('receipts', 3, 4, { capturedAt: '2026-11-29T15:30:00.000Z' });
    const result = outbox.enqueue({
      source: 'pos',
      stream: 'receipts',
      lane: 'bulk',
      records: again,
      checkpoint: { next: 7 },
    });
    expect(result).toEqual({ inserted: 2, duplicates: 2 });
    expect(outbox.stats().depth).toBe(7);
    // Same key with different content is a new version, not a duplicate.
    const changed = makeRecords('receipts', 0, 1, { data: () => ({ total: '99.00' }) });
    expect(
      outbox.enqueue({ source: 'pos', stream: 'receipts', lane: 'bulk', records: changed, checkpoint: { next: 7 } }),
    ).toEqual({
      inserted: 1,
      duplicates: 0,
    });
    // The same key and version in another stream or source is a different record.
    expect(enqueueRange(outbox, { source: 'erp', stream: 'receipts' }, 0, 1)).toEqual({ inserted: 1, duplicates: 0 });
  });

  it('counts bytes as the UTF-8 length of canonical key and data JSON', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock));
    outbox.enqueue({
      source: 'pos',
      stream: 'items',
      lane: 'bulk',
      records: [
        {
          stream: 'items',
          key: { id: '€1' },
          op: 'upsert',
          data: { name: 'Crème', qty: 1.0 },
          capturedAt: '2026-11-29T14:00:00Z',
        },
        { stream: 'items', key: { id: '2' }, op: 'delete', capturedAt: '2026-11-29T14:00:01Z' },
      ],
      checkpoint: null,
    });
    const expected =
      Buffer.byteLength('{"id":"€1"}') +
      Buffer.byteLength('{"name":"Crème","qty":1}') +
      Buffer.byteLength('{"id":"2"}');
    expect(outbox.stats().bytes).toBe(expected);
  });

  it('refuses with OutboxFullError before writing when the cap would be exceeded, checkpoint unchanged', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock, { maxBytes: 4_000 }));
    let next = 0;
    let error: unknown;
    for (let i = 0; i < 100 && error === undefined; i += 1) {
      try {
        enqueueRange(outbox, { stream: 'receipts' }, next, 10);
        next += 10;
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(OutboxFullError);
    expect(error).toBeInstanceOf(BackOffError);
    const full = error as OutboxFullError;
    expect(full.code).toBe('outbox_full');
    expect(full.message).toMatch(/outbox is full: .* of 3\.9 KB queued .*nothing was dropped/);
    expect(full.hint).toMatch(/outbox\.maxBytes/);
    expect(full.waitMs).toBeGreaterThan(0);
    expect(outbox.getCheckpoint('pos', 'receipts')).toEqual({ next });
    expect(outbox.stats().depth).toBe(next);
    expect(outbox.stats().bytes).toBeLessThanOrEqual(4_000);
    expect(outbox.hasRoomFor(4_000)).toBe(false);

    // Dead letters still count toward the cap; discarding them frees the room.
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 1_000, maxBytes: 10_000_000 })!;
    outbox.deadLetterBatch(batch.batchId, { code: 'schema_mismatch', message: 'rejected' });
    expect(() => enqueueRange(outbox, { stream: 'receipts' }, next, 10)).toThrow(OutboxFullError);
    outbox.discardDeadLetters('all');
    expect(outbox.hasRoomFor()).toBe(true);
    expect(enqueueRange(outbox, { stream: 'receipts' }, next, 10).inserted).toBe(10);
    expect(outbox.getCheckpoint('pos', 'receipts')).toEqual({ next: next + 10 });
  });

  it('says so when one read alone is larger than the whole cap', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock, { maxBytes: 500 }));
    expect(() => enqueueRange(outbox, { stream: 'receipts' }, 0, 50)).toThrow(/larger than the whole outbox cap/);
  });

  it('refuses capture before the disk is full, keeping a reserve delivery can still use, and resumes once there is room', () => {
    const path = tmp.path('o.db');
    let outbox = openTestOutbox(path, clock, { maxPageCount: 80 });
    const wide = (i: number) => ({ id: String(i), memo: 'x'.repeat(400 + (i % 7)) });
    let next = 0;
    let error: unknown;
    for (let i = 0; i < 200 && error === undefined; i += 1) {
      try {
        outbox.enqueue({
          source: 'pos',
          stream: 'receipts',
          lane: 'bulk',
          records: makeRecords('receipts', next, 20, { data: wide }),
          checkpoint: { next: next + 20 },
        });
        next += 20;
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(OutboxFullError);
    expect((error as OutboxFullError).message).toMatch(/disk holding the outbox .* is full/);
    expect(next).toBeGreaterThan(0);
    // The reserve: delivery can still form (and later complete) a batch on the full file.
    expect(outbox.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: 10_000_000 })?.records.length).toBeGreaterThan(
      0,
    );
    outbox.releaseInFlight();
    expect(outbox.getCheckpoint('pos', 'receipts')).toEqual({ next });
    expect(outbox.stats().depth).toBe(next);
    expect(outbox.integrityCheck()).toBe('ok');
    outbox.close();

    outbox = track(openTestOutbox(path, clock, { maxPageCount: 100_000 }));
    expect(outbox.integrityCheck()).toBe('ok');
    expect(outbox.stats().depth).toBe(next);
    outbox.enqueue({
      source: 'pos',
      stream: 'receipts',
      lane: 'bulk',
      records: makeRecords('receipts', next, 20, { data: wide }),
      checkpoint: { next: next + 20 },
    });
    expect(outbox.getCheckpoint('pos', 'receipts')).toEqual({ next: next + 20 });
    expect(countRows(path, 'SELECT COUNT(*) FROM records')).toBe(next + 20);
  });

  it('deletes checkpoints of one stream or of a whole source', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock));
    enqueueRange(outbox, { stream: 'a' }, 0, 1);
    enqueueRange(outbox, { stream: 'b' }, 0, 1);
    enqueueRange(outbox, { source: 'erp', stream: 'a' }, 0, 1);
    outbox.deleteCheckpoint('pos', 'a');
    expect(outbox.getCheckpoint('pos', 'a')).toBeUndefined();
    expect(outbox.getCheckpoint('pos', 'b')).toEqual({ next: 1 });
    outbox.deleteCheckpoint('pos');
    expect(outbox.getCheckpoint('pos', 'b')).toBeUndefined();
    expect(outbox.getCheckpoint('erp', 'a')).toEqual({ next: 1 });
    expect(outbox.stats().depth).toBe(3);
  });
});

describe('Outbox.stats', () => {
  it('reports depth per lane, bytes, oldest capture, dead letters, delivered and the next attempt', () => {
    const outbox = track(openTestOutbox(tmp.path('o.db'), clock, { maxBytes: 1_000_000 }));
    expect(outbox.stats()).toEqual({
      depth: 0,
      urgentDepth: 0,
      bytes: 0,
      maxBytes: 1_000_000,
      oldestCapturedAt: null,
      deadLetters: 0,
      delivered: 0,
      nextAttemptAt: null,
    });
    outbox.enqueue({
      source: 'pos',
      stream: 'receipts',
      lane: 'bulk',
      records: [
        ...makeRecords('receipts', 0, 3, { capturedAt: '2026-11-29T16:00:00+01:00' }),
        ...makeRecords('receipts', 3, 1, { capturedAt: '2026-11-29T14:30:00.000Z' }),
      ],
      checkpoint: 1,
    });
    enqueueRange(outbox, { stream: 'shifts', lane: 'urgent' }, 0, 2);
    const bulk = outbox.nextBatch({ lane: 'bulk', maxRecords: 2, maxBytes: 1_000_000 })!;
    outbox.completeBatch(bulk.batchId, {
      rejected: [{ index: 0, code: 'invalid', message: 'bad total' }],
      staleIndexes: [],
    });
    const urgent = outbox.nextBatch({ lane: 'urgent', maxRecords: 5, maxBytes: 1_000_000 })!;
    expect(outbox.stats().nextAttemptAt).toBeNull();
    outbox.retryBatch(urgent.batchId, {
      nextAttemptAt: clock.now() + 30_000,
      error: { code: 'http_503', message: 'busy' },
    });

    const stats = outbox.stats();
    expect(stats).toMatchObject({
      depth: 4,
      urgentDepth: 2,
      deadLetters: 1,
      delivered: 1,
      nextAttemptAt: clock.now() + 30_000,
    });
    // Offsets are compared as instants: 14:30Z is older than 16:00+01:00 (15:00Z).
    expect(stats.oldestCapturedAt).toBe('2026-11-29T14:30:00.000Z');
    const path = tmp.path('o.db');
    expect(stats.bytes).toBe(
      countRows(path, 'SELECT SUM(bytes) FROM records') + countRows(path, 'SELECT SUM(bytes) FROM dead_letters'),
    );
  });
});
