/**
 * The start check by last stop (start-check.ts, background-check.ts): the delivery tables before
 * anything is trusted, the whole file in the background after an unclean stop, and damage found
 * there stops delivery, raises an alert and makes the next start check everything first.
 */
import { closeSync, copyFileSync, existsSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, enqueueRange, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock(Date.parse('2026-12-06T04:40:00.000Z'));
});
afterEach(() => tmp.remove());

const PAGE = 4096;

/** A cleanly closed outbox (no -wal) with rows over many pages. */
function closedOutbox(name: string): string {
  const path = tmp.path(name);
  const outbox = openTestOutbox(path, clock);
  for (let i = 0; i < 10; i += 1) enqueueRange(outbox, { stream: 'receipts' }, i * 200, 200);
  outbox.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
  return path;
}

/** The file and -wal as a kill -9 leaves them: copied while a writer still holds committed pages in the -wal. */
function killedOutbox(): string {
  const live = closedOutbox('live.db');
  const writer = openTestOutbox(live, clock);
  enqueueRange(writer, { stream: 'receipts' }, 5_000, 20);
  const path = tmp.path('killed.db');
  copyFileSync(live, path);
  copyFileSync(`${live}-wal`, `${path}-wal`);
  writer.close();
  return path;
}

/** A page of `table` (its root, or a leaf further in), read from the main file only. */
function pageOf(path: string, table: string, which: 'root' | 'leaf'): number {
  const db = new Database(path, { readonly: true });
  try {
    const sql =
      which === 'root'
        ? 'SELECT rootpage FROM sqlite_schema WHERE name = ?'
        : "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 5";
    return db.prepare<[string], number>(sql).pluck().get(table)!;
  } finally {
    db.close();
  }
}

function damage(path: string, page: number): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(PAGE, 0xa5), 0, PAGE, (page - 1) * PAGE);
  } finally {
    closeSync(fd);
  }
}

describe('the start check by last stop', () => {
  it('after a clean stop checks the delivery tables only, and nothing in the background', () => {
    const path = closedOutbox('clean.db');
    const outbox = openTestOutbox(path, clock, { startCheck: 'by-last-stop' });
    try {
      expect(outbox.integrity.startCheck).toMatchObject({
        lastStop: 'clean',
        ran: 'delivery-tables',
        backgroundNeeded: false,
      });
      expect(outbox.integrity.runInBackground()).toBeNull();
    } finally {
      outbox.close();
    }
  });

  it('keeps the full start check by default (tools and tests that open the file themselves)', () => {
    const outbox = openTestOutbox(killedOutbox(), clock);
    try {
      expect(outbox.integrity.startCheck).toMatchObject({ lastStop: 'unclean', ran: 'full', backgroundNeeded: false });
    } finally {
      outbox.close();
    }
  });

  it('after an unclean stop finds damage in a delivery table before anything is trusted', () => {
    const path = killedOutbox();
    // streams is not written by the last enqueue, so its page in the main file is the one read.
    damage(path, pageOf(path, 'streams', 'root'));
    const outbox = openTestOutbox(path, clock, { startCheck: 'by-last-stop' });
    try {
      expect(outbox.recoveredFromCorruption?.movedTo).toBe(`${path}.corrupt-20261206T044000Z`);
      expect(outbox.integrity.startCheck).toMatchObject({ lastStop: 'unclean', ran: 'delivery-tables' });
      expect(outbox.listAlerts().map((a) => a.code)).toEqual(['outbox_corrupt']);
      expect(outbox.stats().depth).toBe(0);
      expect(outbox.integrity.runInBackground()).toBeNull();
    } finally {
      outbox.close();
    }
  });

  it('after an unclean stop delivers, checks the whole file in the background and stops delivery on damage', async () => {
    const path = killedOutbox();
    damage(path, pageOf(path, 'records', 'leaf'));
    const outbox = openTestOutbox(path, clock, { startCheck: 'by-last-stop' });
    try {
      expect(outbox.recoveredFromCorruption).toBeNull();
      expect(outbox.integrity.startCheck).toMatchObject({
        lastStop: 'unclean',
        ran: 'delivery-tables',
        backgroundNeeded: true,
      });
      const checking = outbox.integrity.runInBackground();
      expect(checking).not.toBeNull();
      const verdict = await checking!;
      expect(verdict).toMatchObject({ state: 'damaged' });
      expect(verdict.state === 'damaged' && verdict.unrecorded).toBeFalsy();
      expect(outbox.integrity.distrusted).toBe(true);
      expect(outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })).toBeNull();
      const alert = outbox.listAlerts().find((a) => a.code === 'outbox_damaged');
      expect(alert).toMatchObject({ severity: 'critical' });
      expect(alert!.message).toMatch(/delivery from it has stopped/);
      expect(alert!.message).toMatch(/Restart the agent/);
    } finally {
      outbox.close();
    }
    // The next start, even after a clean stop, checks the whole file first and moves it aside.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const next = openTestOutbox(path, clock, { startCheck: 'by-last-stop' });
    try {
      expect(next.integrity.startCheck).toMatchObject({
        lastStop: 'clean',
        ran: 'full',
        forcedBy: 'damage-found-before',
      });
      expect(next.recoveredFromCorruption?.movedTo).toBe(`${path}.corrupt-20261206T044000Z`);
      expect(next.listAlerts().map((a) => a.code)).toEqual(['outbox_corrupt']);
    } finally {
      next.close();
    }
  });

  it('after an unclean stop of a sound file delivers while the background check passes', async () => {
    const outbox = openTestOutbox(killedOutbox(), clock, { startCheck: 'by-last-stop' });
    try {
      const checking = outbox.integrity.runInBackground();
      const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 });
      expect(batch?.records).toHaveLength(10);
      expect(await checking).toMatchObject({ state: 'passed' });
      expect(outbox.integrity.distrusted).toBe(false);
      expect(outbox.listAlerts()).toEqual([]);
    } finally {
      outbox.close();
    }
  });

  it('ends a running background check when the outbox closes', async () => {
    const outbox = openTestOutbox(killedOutbox(), clock, { startCheck: 'by-last-stop' });
    const checking = outbox.integrity.runInBackground();
    outbox.close();
    expect(['stopped', 'passed']).toContain((await checking)!.state);
  });
});
