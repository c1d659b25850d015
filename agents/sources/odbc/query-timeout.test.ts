/**
 * `queryTimeoutSecs` on the real servers: while another session holds a lock on the table (a long
 * report, a backup, a transaction left open), the source's read fails after the limit with an error
 * that says so, instead of hanging with the source still shown as fine; once the lock is gone the
 * same source reads every row. A PostgreSQL cancel that is not the time limit stays what it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from 'odbc';
import { OdbcSourceSchema } from '../../api/index.ts';
import { BackOffError, type AgentError } from '../../pipeline/errors.ts';
import { createMariaDbDatabase, createPostgresDatabase, type ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';
import { loadOdbcModule } from './odbc-binding.ts';
import { queryError } from './odbc-errors.ts';
import { OdbcSource } from './odbc-source.ts';
import { nodeOdbcDriver } from './odbc-driver.ts';
import { openConnection } from './open-connection.ts';
import { postgresqlDialect } from './dialects/postgresql.ts';
import { drain, memoryContext } from './test-harness.ts';

interface LockCase {
  dialect: 'postgresql' | 'mariadb';
  service: 'postgresql' | 'mariadb';
  create: (label: string) => Promise<ThrowawayDatabase>;
  /** Takes a lock that blocks every reader of `receipts`, on the holder's own connection. */
  lock: (holder: Connection) => Promise<void>;
  unlock: (holder: Connection) => Promise<void>;
}

const CASES: LockCase[] = [
  {
    dialect: 'postgresql',
    service: 'postgresql',
    create: createPostgresDatabase,
    lock: async (holder) => {
      await holder.beginTransaction();
      await holder.query('LOCK TABLE receipts IN ACCESS EXCLUSIVE MODE');
    },
    unlock: (holder) => holder.rollback(),
  },
  {
    dialect: 'mariadb',
    service: 'mariadb',
    create: createMariaDbDatabase,
    lock: async (holder) => {
      await holder.query('LOCK TABLES receipts WRITE');
    },
    unlock: async (holder) => {
      await holder.query('UNLOCK TABLES');
    },
  },
];

for (const c of CASES) {
  describe.skipIf(serviceMissing(c.service))(`queryTimeoutSecs on ${c.dialect}`, () => {
    let db: ThrowawayDatabase | undefined;
    let holder: Connection | undefined;
    let source: OdbcSource | undefined;
    afterEach(async () => {
      // The holder first: a read still blocked by its lock (the limit not applied) then returns.
      await holder?.close().catch(() => undefined);
      await source?.close();
      await db?.drop();
    });

    it('stops a read blocked by a lock with a clear error, then reads every row once the lock is gone', async () => {
      db = await c.create('query_timeout');
      await db.exec(`
        CREATE TABLE receipts (id integer PRIMARY KEY, total decimal(12,2) NOT NULL, changed timestamp NOT NULL);
        INSERT INTO receipts VALUES (1, 10.10, '2026-12-01 10:00:00'), (2, 0.01, '2026-12-01 10:00:01'), (3, 99999999.99, '2026-12-01 10:00:02');`);
      const config = OdbcSourceSchema.parse({
        type: 'odbc',
        name: 'pos',
        dialect: c.dialect,
        connectionString: db.connectionString,
        queryTimeoutSecs: 1,
        streams: [{ name: 'receipts', table: 'receipts', keyColumns: ['id'], cursorColumn: 'changed' }],
      });
      const ctx = memoryContext();
      source = new OdbcSource(config, ctx);
      await source.connect(new AbortController().signal);

      holder = await (await loadOdbcModule()).connect({ connectionString: db.connectionString });
      await c.lock(holder);
      const started = Date.now();
      const failure = await source.read(new AbortController().signal).then(
        () => null,
        (error: unknown) => error,
      );
      const waited = Date.now() - started;
      expect(failure).toBeInstanceOf(BackOffError);
      expect((failure as AgentError).code).toBe('odbc_query_timeout');
      expect((failure as AgentError).message).toMatch(/Source "pos", stream "receipts".*queryTimeoutSecs/);
      expect((failure as AgentError).hint).toMatch(/lock/);
      // One second of limit (per query), not the lock's lifetime.
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(8000);

      await c.unlock(holder);
      const { records } = await drain(source, ctx);
      expect(records.map((r) => [r.key.id, r.data?.total])).toEqual([
        ['1', '10.10'],
        ['2', '0.01'],
        ['3', '99999999.99'],
      ]);
    }, 20_000);
  });
}

describe.skipIf(serviceMissing('postgresql'))('queryTimeoutSecs settings', () => {
  let db: ThrowawayDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
  });

  it('sets 300 s by default and none for 0 on the source connection', async () => {
    db = await createPostgresDatabase('query_timeout_setting');
    await db.exec('CREATE TABLE one (id integer PRIMARY KEY)');
    const limitOf = async (extra: Record<string, unknown>): Promise<unknown> => {
      const config = OdbcSourceSchema.parse({
        type: 'odbc',
        name: 'pos',
        dialect: 'postgresql',
        connectionString: db!.connectionString,
        streams: [{ name: 'one', table: 'one', keyColumns: ['id'], mode: 'append' }],
        ...extra,
      });
      const connection = await openConnection({ config, ctx: memoryContext(), driver: nodeOdbcDriver, dialect: postgresqlDialect });
      try {
        return (await connection.query("SELECT current_setting('statement_timeout') AS limit_text"))[0]?.limit_text;
      } finally {
        await connection.close();
      }
    };
    expect(await limitOf({})).toBe('5min');
    expect(await limitOf({ queryTimeoutSecs: 0 })).toBe('0');
    expect(await limitOf({ queryTimeoutSecs: 7 })).toBe('7s');
  });
});

describe('query time limit errors', () => {
  const context = { dialect: postgresqlDialect, source: 'pos', stream: 'receipts', table: 'receipts' };
  const driverError = (state: string, code: number, message: string) =>
    Object.assign(new Error('[odbc] Error executing the sql statement'), { odbcErrors: [{ state, code, message }] });

  it('names the limit for PostgreSQL statement_timeout, MariaDB max_statement_time and MySQL max_execution_time', () => {
    const cases = [
      driverError('57014', 1, 'ERROR: canceling statement due to statement timeout;\nError while executing the query'),
      driverError('HY018', 1969, 'Query execution was interrupted (max_statement_time exceeded)'),
      driverError('HY000', 3024, 'Query execution was interrupted, maximum statement execution time exceeded'),
    ];
    for (const error of cases) expect(queryError(error, context).code).toBe('odbc_query_timeout');
  });

  it('leaves a cancel by a person as a failed query', () => {
    const error = queryError(driverError('57014', 1, 'ERROR: canceling statement due to user request'), context);
    expect(error.code).toBe('odbc_query_failed');
  });
});
