import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitWithoutWaitingForDisk } from './bookkeeping-commit.ts';
import { makeTempDir, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let db: Database.Database;

beforeEach(() => {
  tmp = makeTempDir();
  db = new Database(tmp.path('o.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (x INTEGER)');
});
afterEach(() => {
  db.close();
  tmp.remove();
});

const level = () => db.pragma('synchronous', { simple: true });

describe('commitWithoutWaitingForDisk', () => {
  it('commits at NORMAL and puts the configured level back, also when the write throws', () => {
    let during: unknown;
    commitWithoutWaitingForDisk(db, () => {
      during = level();
      db.prepare('INSERT INTO t VALUES (1)').run();
    });
    expect(during).toBe(1);
    expect(level()).toBe(2);
    expect(() =>
      commitWithoutWaitingForDisk(db, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(level()).toBe(2);
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(1);
  });

  it('inside a transaction leaves the level to it (SQLite refuses the change there)', () => {
    db.transaction(() => {
      commitWithoutWaitingForDisk(db, () => db.prepare('INSERT INTO t VALUES (2)').run());
      expect(level()).toBe(2);
    })();
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(1);
  });
});
