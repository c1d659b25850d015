import { closeSync, copyFileSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../pipeline/errors.ts';
import { OUTBOX_SCHEMA_VERSION, type Migration } from './migrations.ts';
import { migrate, schemaVersion } from './migrate.ts';
import { openDatabase } from './open-database.ts';
import { ManualClock, enqueueRange, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock(Date.parse('2026-11-29T15:54:42.123Z'));
});
afterEach(() => tmp.remove());

/** A closed outbox with enough rows to span many pages; returns its path. */
function filledOutbox(): string {
  const path = tmp.path('outbox.db');
  const outbox = openTestOutbox(path, clock);
  for (let i = 0; i < 10; i += 1) enqueueRange(outbox, { stream: 'receipts' }, i * 200, 200);
  outbox.close();
  expect(existsSync(`${path}-wal`)).toBe(false); // everything is in the main file
  return path;
}

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe('openDatabase', () => {
  it('opens in WAL mode with the chosen synchronous level, foreign keys on', () => {
    for (const [synchronous, level] of [
      ['FULL', 2],
      ['NORMAL', 1],
    ] as const) {
      const { db, recoveredFromCorruption } = openDatabase({
        path: tmp.path(`${synchronous}.db`),
        synchronous,
        now: () => 0,
      });
      expect(recoveredFromCorruption).toBeNull();
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(level);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      db.close();
    }
  });

  it('moves a file with a damaged page aside, starts fresh and raises a critical alert', () => {
    const path = filledOutbox();
    const pageSize = 4096;
    const pages = statSync(path).size / pageSize;
    expect(pages).toBeGreaterThan(20);
    overwrite(path, Math.floor(pages / 2) * pageSize, Buffer.alloc(pageSize, 0xa5));
    const damaged = readFileSync(path);

    const outbox = openTestOutbox(path, clock);
    try {
      const movedTo = `${path}.corrupt-20261129T155442Z`;
      expect(outbox.recoveredFromCorruption).toEqual({ movedTo });
      expect(readFileSync(movedTo).equals(damaged)).toBe(true);
      const [alert, ...others] = outbox.listAlerts();
      expect(others).toEqual([]);
      expect(alert).toMatchObject({ code: 'outbox_corrupt', severity: 'critical', since: '2026-11-29T15:54:42.123Z' });
      expect(alert!.message).toContain(movedTo);
      expect(alert!.message).toMatch(/re-read from the start/);
      expect(alert!.message).toMatch(/dedupe prevents duplicates/);
      expect(outbox.stats().depth).toBe(0);
      expect(outbox.getCheckpoint('pos', 'receipts')).toBeUndefined();
      expect(outbox.integrityCheck()).toBe('ok');
    } finally {
      outbox.close();
    }
    // Not a one-off notice: the alert is still there after the next restart.
    const again = openTestOutbox(path, clock);
    expect(again.recoveredFromCorruption).toBeNull();
    expect(again.listAlerts().map((a) => a.code)).toEqual(['outbox_corrupt']);
    again.close();
  });

  it('moves aside a file that is not a database at all (damaged header)', () => {
    const path = filledOutbox();
    overwrite(path, 0, Buffer.from('this is no sqlite header!'));
    const outbox = openTestOutbox(path, clock);
    try {
      const movedTo = outbox.recoveredFromCorruption?.movedTo;
      expect(movedTo).toBe(`${path}.corrupt-20261129T155442Z`);
      expect(readFileSync(movedTo!).subarray(0, 25).toString()).toBe('this is no sqlite header!');
      expect(outbox.listAlerts()[0]!.message).toMatch(/not a database/);
      expect(outbox.stats().depth).toBe(0);
    } finally {
      outbox.close();
    }
  });

  it('moves the -wal aside together with a damaged file left by a crash', () => {
    // A crash leaves committed pages in the -wal: copy both while a writer holds them there.
    const live = filledOutbox();
    const writer = openTestOutbox(live, clock);
    enqueueRange(writer, { stream: 'receipts' }, 5_000, 20);
    const path = tmp.path('crashed.db');
    copyFileSync(live, path);
    copyFileSync(`${live}-wal`, `${path}-wal`);
    writer.close();
    const wal = readFileSync(`${path}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    const pageSize = 4096;
    overwrite(path, Math.floor(statSync(path).size / pageSize / 2) * pageSize, Buffer.alloc(pageSize, 0xa5));

    const outbox = openTestOutbox(path, clock);
    try {
      const movedTo = outbox.recoveredFromCorruption?.movedTo;
      expect(movedTo).toBe(`${path}.corrupt-20261129T155442Z`);
      expect(readFileSync(`${movedTo}-wal`).equals(wal)).toBe(true);
      expect(outbox.stats().depth).toBe(0);
    } finally {
      outbox.close();
    }
  });

  it('does not overwrite an earlier moved-aside file from the same second', () => {
    const path = filledOutbox();
    overwrite(path, 0, Buffer.from('garbage garbage garbage!!'));
    openTestOutbox(path, clock).close();
    overwrite(path, 0, Buffer.from('garbage garbage garbage!!'));
    const outbox = openTestOutbox(path, clock);
    expect(outbox.recoveredFromCorruption?.movedTo).toBe(`${path}.corrupt-20261129T155442Z-1`);
    outbox.close();
    expect(existsSync(`${path}.corrupt-20261129T155442Z`)).toBe(true);
  });

  it('explains a path it cannot open as a typed error', () => {
    expect(() => openDatabase({ path: tmp.dir, synchronous: 'FULL', now: () => 0 })).toThrow(
      expect.objectContaining({ code: 'outbox_unavailable', message: expect.stringContaining(tmp.dir) as string }),
    );
  });
});

describe('migrate', () => {
  it('brings a new file to the current schema version and is a no-op the second time', () => {
    const db = new Database(tmp.path('m.db'));
    expect(migrate(db)).toEqual({ from: 0, to: OUTBOX_SCHEMA_VERSION });
    expect(schemaVersion(db)).toBe(OUTBOX_SCHEMA_VERSION);
    expect(migrate(db)).toEqual({ from: OUTBOX_SCHEMA_VERSION, to: OUTBOX_SCHEMA_VERSION });
    db.close();
  });

  it('runs each migration in a transaction: a failing one leaves the previous version intact', () => {
    const db = new Database(tmp.path('m.db'));
    const migrations: Migration[] = [
      { version: 1, description: 'one', up: (d) => d.exec('CREATE TABLE one (x)') },
      {
        version: 2,
        description: 'two, broken halfway',
        up: (d) => d.exec('CREATE TABLE two (x); INSERT INTO nowhere VALUES (1);'),
      },
    ];
    expect(() => migrate(db, migrations)).toThrow(/nowhere/);
    expect(schemaVersion(db)).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['one']);
    db.close();
  });

  it('refuses a file written by a newer schema', () => {
    const db = new Database(tmp.path('m.db'));
    db.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(AgentError);
    expect(() => migrate(db)).toThrow(/newer agent/);
    db.close();
  });
});
