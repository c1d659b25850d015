/** The pre-update snapshot on a real SQLite outbox: taken while open, restored after a schema-changing update. */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTBOX_SCHEMA_VERSION } from '../../outbox/migrations.ts';
import { ManualClock, enqueueRange, makeTempDir, openTestOutbox, type TempDir } from '../../outbox/outbox-test-kit.ts';
import { readSchemaVersion, readUpdateSnapshot, restoreUpdateSnapshot, takeUpdateSnapshot } from './update-snapshot.ts';

let tmp: TempDir;
const clock = new ManualClock();
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

function recordCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM records').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** What a newer agent's migration would do: a new table and a higher user_version. */
function migrateAsNewerVersion(file: string, enqueueMore: boolean): void {
  if (enqueueMore) {
    const outbox = openTestOutbox(file, clock);
    enqueueRange(outbox, { stream: 'receipts' }, 100, 5);
    outbox.close();
  }
  const db = new Database(file);
  db.exec('CREATE TABLE future_feature (id INTEGER PRIMARY KEY)');
  db.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION + 1}`);
  db.close();
}

describe('update snapshot', () => {
  it('restores the pre-update outbox after a migration, keeps the migrated file aside, and the old version opens it', () => {
    const outboxFile = tmp.path('outbox.sqlite');
    const outbox = openTestOutbox(outboxFile, clock);
    enqueueRange(outbox, { stream: 'receipts' }, 0, 12);
    // Taken while the old version still has the outbox open (WAL): VACUUM INTO reads one consistent view.
    const snapshot = takeUpdateSnapshot({ outboxFile, dir: tmp.path('update'), fromVersion: '1.4.0', toVersion: '1.5.0', nowMs: clock.now() });
    outbox.close();
    expect(snapshot).toMatchObject({ fromVersion: '1.4.0', toVersion: '1.5.0', outboxSchemaVersion: OUTBOX_SCHEMA_VERSION, snapshotFile: 'outbox-before-1.5.0.sqlite' });
    expect(readUpdateSnapshot(tmp.path('update'))).toEqual(snapshot);

    migrateAsNewerVersion(outboxFile, true);
    expect(recordCount(outboxFile)).toBe(17);
    expect(readSchemaVersion(outboxFile)).toBe(OUTBOX_SCHEMA_VERSION + 1);

    const outcome = restoreUpdateSnapshot({ outboxFile, dir: tmp.path('update'), nowMs: Date.parse('2026-12-05T02:05:00Z') });
    expect(outcome).toEqual({ restored: true, movedAsideTo: `${outboxFile}.after-update-2026-12-05T02-05-00-000Z` });
    expect(readSchemaVersion(outboxFile)).toBe(OUTBOX_SCHEMA_VERSION);
    expect(recordCount(outboxFile)).toBe(12);
    expect(recordCount(outcome.restored ? outcome.movedAsideTo : '')).toBe(17);
    const reopened = openTestOutbox(outboxFile, clock);
    expect(reopened.stats().depth).toBe(12);
    reopened.close();
  });

  it('leaves the outbox alone when the update did not change its schema', () => {
    const outboxFile = tmp.path('outbox.sqlite');
    const outbox = openTestOutbox(outboxFile, clock);
    enqueueRange(outbox, { stream: 'receipts' }, 0, 3);
    takeUpdateSnapshot({ outboxFile, dir: tmp.path('update'), fromVersion: '1.4.0', toVersion: '1.4.1', nowMs: clock.now() });
    enqueueRange(outbox, { stream: 'receipts' }, 3, 2);
    outbox.close();
    expect(restoreUpdateSnapshot({ outboxFile, dir: tmp.path('update'), nowMs: clock.now() })).toEqual({ restored: false, reason: 'schema_unchanged' });
    expect(recordCount(outboxFile)).toBe(5);
  });

  it('without a snapshot, says so and what to do', () => {
    expect(existsSync(tmp.path('none'))).toBe(false);
    expect(() => restoreUpdateSnapshot({ outboxFile: tmp.path('outbox.sqlite'), dir: tmp.path('none'), nowMs: 0 })).toThrow(/No update snapshot in .*none/);
  });
});
