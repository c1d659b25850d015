/**
 * A SQLite file another program keeps locked (a POS in a long write, a backup tool): the driver's own
 * busy timeout is 100 s, and a connect waits it out inside the `odbc` package's process-wide lock, so
 * every other ODBC source of the agent waited as long. The dialect's default `Timeout=5000` bounds
 * both: the locked source fails as `odbc_busy` (it retries) and the other source waits at most ~5 s.
 * Real driver, real files; the sqlite3 shell, its own process, holds the lock.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { sqliteDialect } from './dialects/sqlite.ts';
import { queryError } from './odbc-errors.ts';
import { nodeOdbcDriver, type OdbcConnection } from './odbc-driver.ts';
import { openConnection } from './open-connection.ts';
import { memoryContext } from './test-harness.ts';

/** Longer than the default and far shorter than the driver's own 100 s, so the test ends either way. */
const LOCK_HELD_MS = 25_000;

describe('a SQLite file another program keeps locked', () => {
  let locker: ChildProcessWithoutNullStreams | undefined;
  const dbs: ThrowawayDatabase[] = [];
  let other: OdbcConnection | undefined;
  afterEach(async () => {
    if (locker?.stdin.writable) locker.stdin.end('ROLLBACK;\n');
    locker = undefined;
    await other?.close();
    for (const db of dbs.splice(0)) await db.drop();
  });

  it('fails the locked source within seconds and holds up another source at most the busy timeout', async () => {
    const pos = createSqliteFile('busy-pos');
    const erp = createSqliteFile('busy-erp');
    dbs.push(pos, erp);
    await pos.exec("CREATE TABLE receipts (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO receipts VALUES (1, '9.99');");
    await erp.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    other = await nodeOdbcDriver.connect({ connectionString: erp.connectionString, loginTimeoutSecs: 5 });

    locker = spawn('sqlite3', [pos.name]);
    locker.stdin.write("BEGIN EXCLUSIVE;\nINSERT INTO receipts VALUES (2, '1.00');\nSELECT 'locked';\n");
    const [answer] = (await once(locker.stdout, 'data')) as [Buffer];
    expect(String(answer).trim()).toBe('locked');
    const releaseTimer = setTimeout(() => locker?.stdin.end('ROLLBACK;\n'), LOCK_HELD_MS);

    try {
      // No Timeout= in the config's string: the dialect's default applies.
      expect(pos.connectionString).not.toMatch(/timeout/i);
      const config = OdbcSourceSchema.parse({
        type: 'odbc',
        name: 'pos',
        dialect: 'sqlite',
        connectionString: pos.connectionString,
        streams: [{ name: 'receipts', table: 'receipts', keyColumns: ['id'], mode: 'append' }],
      });
      const started = Date.now();
      const reading = (async () => {
        const connection = await openConnection({ config, ctx: memoryContext(), driver: nodeOdbcDriver, dialect: sqliteDialect });
        try {
          return await connection.query('SELECT COUNT(*) AS n FROM receipts');
        } finally {
          await connection.close();
        }
      })().then(
        () => null,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const otherStarted = Date.now();
      await other.query('SELECT 1 AS one');
      const otherMs = Date.now() - otherStarted;

      const error = await reading;
      const readMs = Date.now() - started;
      console.log(`locked source failed after ${readMs} ms; the other source's query waited ${otherMs} ms (lock held ${LOCK_HELD_MS} ms)`);
      expect(error, 'the locked source must fail, not wait for the lock').not.toBeNull();
      expect(queryError(error, { dialect: sqliteDialect, source: 'pos', stream: 'receipts', table: 'receipts' }).code).toBe('odbc_busy');
      // Connect (≤ 5 s) and query (≤ 5 s), with margin for a loaded machine; the lock lasts 25 s.
      expect(readMs).toBeLessThan(16_000);
      expect(otherMs).toBeLessThan(9_000);
    } finally {
      clearTimeout(releaseTimer);
    }
  }, 60_000);
});
