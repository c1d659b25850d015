import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShiftCloseSummary, SourceRecord } from '../api/index.ts';
import { OutboxFullError } from './outbox-full-error.ts';
import { OUTBOX_MIGRATIONS, OUTBOX_SCHEMA_VERSION } from './migrations.ts';
import { migrate, schemaVersion } from './migrate.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

const summary: ShiftCloseSummary = {
  key: { shift_id: '17' },
  register: '101',
  z: '403',
  closedAt: '2026-11-28T00:40:00+01:00',
  currency: 'EUR',
  total: '239.85',
  overShort: '-4.82',
  balanced: false,
};

function documentRecord(padding = ''): SourceRecord {
  return { stream: 'shift_close', key: { shift_id: '17' }, op: 'upsert', data: { zNumber: '403', padding }, capturedAt: '2026-11-27T23:41:00Z' };
}

describe('shift close summaries', () => {
  let tmp: TempDir | undefined;
  afterEach(() => tmp?.remove());

  it('are written in the transaction that queues the document: a refused enqueue leaves none, a re-read replaces its own', () => {
    tmp = makeTempDir();
    const outbox = openTestOutbox(tmp.path('outbox.db'), new ManualClock(), { maxBytes: 4096 });
    const enqueue = (record: SourceRecord, shift: ShiftCloseSummary) =>
      outbox.enqueue({ source: 'pos-db', stream: 'shift_close', lane: 'urgent', records: [record], checkpoint: { z: shift.z }, shiftCloses: [shift], timeZone: 'Europe/Berlin' });

    expect(() => enqueue(documentRecord('x'.repeat(8000)), summary)).toThrow(OutboxFullError);
    expect(outbox.shiftCloses({ limit: 10 }), 'nothing of a document the queue refused').toEqual([]);

    enqueue(documentRecord(), summary);
    enqueue(documentRecord(), { ...summary, total: '240.00' });
    const listed = outbox.shiftCloses({ limit: 10 });
    expect(listed).toHaveLength(1);
    // The close's own date in the store's zone, not the UTC capture day (2026-11-27).
    expect(listed[0]).toMatchObject({ businessDay: '2026-11-28', total: '240.00', overShort: '-4.82', balanced: false, upload: 'pending' });
    outbox.close();
  });

  it('take the capture day in the source zone when the close has no time', () => {
    tmp = makeTempDir();
    const outbox = openTestOutbox(tmp.path('outbox.db'), new ManualClock());
    outbox.enqueue({
      source: 'pos-db', stream: 'shift_close', lane: 'urgent', records: [documentRecord()], checkpoint: 1,
      shiftCloses: [{ ...summary, closedAt: null, z: null }], timeZone: 'Europe/Berlin',
    });
    expect(outbox.shiftCloses({ limit: 10 })[0]).toMatchObject({ businessDay: '2026-11-28', closedAt: '2026-11-27T23:41:00.000Z', z: null });
    outbox.close();
  });

  it('start empty on an outbox written before them (migration 13), keeping what was queued', () => {
    tmp = makeTempDir();
    const path = tmp.path('outbox.db');
    const before = openTestOutbox(path, new ManualClock());
    before.enqueue({ source: 'pos-db', stream: 'shift_close', lane: 'urgent', records: [documentRecord()], checkpoint: 1 });
    before.close();
    // Take the file back to version 12, as an agent before this change left it.
    const db = new Database(path);
    db.exec('DROP TABLE shift_closes; PRAGMA user_version = 12;');
    db.close();
    const older = new Database(path);
    expect(migrate(older, OUTBOX_MIGRATIONS)).toEqual({ from: 12, to: OUTBOX_SCHEMA_VERSION });
    expect(schemaVersion(older)).toBe(13);
    older.close();
    const after = openTestOutbox(path, new ManualClock());
    expect(after.stats().depth).toBe(1);
    expect(after.shiftCloses({ limit: 10 })).toEqual([]);
    after.close();
  });
});
