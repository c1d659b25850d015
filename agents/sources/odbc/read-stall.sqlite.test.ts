/**
 * A read that hangs (read-watch.ts), with the real capture loop, outbox and SQLite ODBC driver: another
 * program (the sqlite3 shell, its own process) holds the database file's exclusive lock, which the
 * SQLite driver waits out for up to its busy timeout (100 s) at connect and at every query, and which
 * no query time limit stops there. The source must not stay "OK": it
 * shows the stuck read and a critical alert goes out; both clear when the lock goes, and every row
 * arrives once. A stop does not wait for the stuck read, and what that read returns later is not
 * committed by a stopped loop.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import type { CaptureLoop } from '../../engine/capture-loop.ts';
import { readStalledAlertCode } from '../../engine/read-watch.ts';
import { StatusTracker } from '../../engine/status-tracker.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { waitFor } from '../../../test/helpers/agent-process.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { odbcCaptureLoop } from './scenarios/capture-loop-harness.ts';
import { OutboxCloud } from './scenarios/outbox-cloud.ts';
import { openWriter } from './scenarios/odbc-writer.ts';

describe('a stuck read (SQLite over ODBC, file locked by another program)', () => {
  let db: ThrowawayDatabase | undefined;
  let cloud: OutboxCloud | undefined;
  let locker: ChildProcessWithoutNullStreams | undefined;
  const loops: CaptureLoop[] = [];
  afterEach(async () => {
    unlock();
    for (const loop of loops.splice(0)) await loop.stop();
    cloud?.close();
    await db?.drop();
  });

  async function setUp(intervalMs = 50): Promise<{ status: StatusTracker; start: () => CaptureLoop; alertCodes: () => string[] }> {
    db = createSqliteFile('odbc-read-stall');
    const writer = await openWriter(db.connectionString, 'sqlite');
    await writer.exec(
      'CREATE TABLE receipts (id INTEGER PRIMARY KEY, total TEXT NOT NULL, updated INTEGER NOT NULL)',
      "INSERT INTO receipts VALUES (1, '10.10', 1), (2, '0.01', 2)",
    );
    await writer.close();
    cloud = new OutboxCloud(systemClock);
    const outbox = cloud.outbox;
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: 'sqlite',
      // The driver's own 100 s busy wait (the dialect's default is 5 s, busy-timeout.sqlite.test.ts): a read
      // that hangs for as long as the other program holds the lock, which is what this test is about.
      connectionString: `${db.connectionString};Timeout=100000`,
      intervalSecs: 0.05,
      streams: [{ name: 'receipts', table: 'receipts', keyColumns: ['id'], cursorColumn: 'updated' }],
    });
    const status = new StatusTracker(systemClock);
    status.registerSource('erp', 'odbc');
    const start = () => {
      const { loop } = odbcCaptureLoop(cloud!, config, { status, intervalMs, readStallAlertMs: 400, stopWaitMs: 300 });
      loops.push(loop);
      loop.start();
      return loop;
    };
    return { status, start, alertCodes: () => outbox.listAlerts().map((a) => a.code) };
  }

  async function lockFile(): Promise<void> {
    locker = spawn('sqlite3', [db!.name]);
    locker.stdin.write("BEGIN EXCLUSIVE;\nSELECT 'locked';\n");
    const [answer] = (await once(locker.stdout, 'data')) as [Buffer];
    expect(String(answer).trim()).toBe('locked');
  }

  function unlock(): void {
    if (locker?.stdin.writable) locker.stdin.end('ROLLBACK;\n');
  }

  it('shows the stuck read and alerts, then clears both and queues every row once the lock goes', async () => {
    const { status, start, alertCodes } = await setUp();
    await lockFile();
    start();
    await waitFor('the stuck-read alert', () => alertCodes().includes(readStalledAlertCode('erp')));
    const alert = cloud!.outbox.listAlerts().find((a) => a.code === readStalledAlertCode('erp'))!;
    expect(alert.severity).toBe('critical');
    expect(alert.kind).toBe('condition');
    expect(alert.message).toMatch(/^Source "erp" has been stuck in a read since \d\d:\d\d:\d\d UTC \(over 0.4 seconds\): nothing new is read from it\./);
    const shown = status.sourceStatuses()[0]!;
    expect(shown.state).toBe('error');
    expect(shown.lastError?.code).toBe('read_stalled');
    expect(cloud!.outbox.stats().depth).toBe(0);

    unlock();
    await waitFor('both rows queued', () => cloud!.outbox.stats().depth === 2);
    await waitFor('the alert cleared', () => !alertCodes().includes(readStalledAlertCode('erp')));
    await waitFor('the source OK again', () => status.sourceStatuses()[0]!.state === 'ok');
    cloud!.deliver();
    expect([...cloud!.stream('receipts').keys()]).toEqual(['{"id":"1"}', '{"id":"2"}']);
  }, 30_000);

  it('stops without waiting for a stuck query and commits nothing it returns later', async () => {
    const { start, alertCodes } = await setUp(60_000);
    const first = start();
    await waitFor('the first rows queued', () => cloud!.outbox.stats().depth === 2);
    const checkpoint = cloud!.outbox.getCheckpoint('erp', 'receipts');
    // Connected and caught up: the next read's query is what the lock holds.
    await db!.exec("INSERT INTO receipts VALUES (3, '99999999.99', 3)");
    await lockFile();
    first.syncNow();
    await waitFor('the stuck-read alert', () => alertCodes().includes(readStalledAlertCode('erp')));
    const stopping = Date.now();
    await first.stop();
    loops.splice(loops.indexOf(first), 1);
    expect(Date.now() - stopping).toBeLessThan(3000);
    expect(alertCodes()).not.toContain(readStalledAlertCode('erp'));

    // The lock goes: the left-behind query returns row 3 into a stopped loop, which must not commit it.
    unlock();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(cloud!.outbox.stats().depth).toBe(2);
    expect(cloud!.outbox.getCheckpoint('erp', 'receipts')).toEqual(checkpoint);

    start();
    await waitFor('row 3 queued by the next loop', () => cloud!.outbox.stats().depth === 3);
    cloud!.deliver();
    expect([...cloud!.stream('receipts').keys()]).toEqual(['{"id":"1"}', '{"id":"2"}', '{"id":"3"}']);
  }, 30_000);
});
