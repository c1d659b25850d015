import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import { NotConnectedError } from '../../pipeline/errors.ts';
import type { ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { createPostgresDatabase } from '../../../test/helpers/databases.ts';
import { OdbcSource } from './odbc-source.ts';
import { openConnection } from './open-connection.ts';
import { nodeOdbcDriver } from './odbc-driver.ts';
import { postgresqlDialect } from './dialects/postgresql.ts';
import type { Dialect } from './dialects/index.ts';
import { describeOdbcSource } from './odbc-source-scenarios.ts';
import { drain, memoryContext } from './test-harness.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

const signal = new AbortController().signal;

describe.skipIf(serviceMissing('postgresql'))('OdbcSource on PostgreSQL (PostgreSQL Unicode driver)', () => {
  describeOdbcSource({
    dialect: 'postgresql',
    create: () => createPostgresDatabase('odbc_pg'),
    types: {
      int: 'integer',
      bigint: 'bigint',
      decimal20: 'numeric(20,2)',
      numeric38: 'numeric(38,10)',
      longText: 'text',
      timestamp: 'timestamp(6)',
      boolean: 'boolean',
      binary: 'bytea',
      date: 'date',
    },
    hexLiteral: (hex) => `'\\x${hex}'::bytea`,
    asText: (column) => `${column}::text`,
    keepsDecimals: true,
    wrongPort: (connectionString) => connectionString.replace('Port=5432', 'Port=1'),
  });
});

describe.skipIf(serviceMissing('postgresql'))('OdbcSource on PostgreSQL specifics', () => {
  let db: ThrowawayDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('odbc_pg_more');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('reads timestamptz as UTC with µs, pages on a numeric cursor, and finds tables by catalog spelling', async () => {
    await db.exec(`
      CREATE SCHEMA shop;
      CREATE TABLE shop."Receipts" (id bigint PRIMARY KEY, total numeric(12,2) NOT NULL, at timestamptz(6) NOT NULL);
      INSERT INTO shop."Receipts" VALUES
        (1, 10.10, '2024-03-01 10:00:00.123456+05:30'), (2, 10.1, '2024-03-01 12:00:00.000001+00'),
        (3, 9.99, '2024-03-01 23:59:59.999999-08:00');
      CREATE TABLE Orders (Id integer PRIMARY KEY, Changed timestamp NOT NULL, Tip money);
      INSERT INTO Orders VALUES (1, '2024-10-27 02:30:00', 1234.5), (2, '2024-10-27 03:30:00', -0.01);`);
    const ctx = memoryContext();
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'pos',
      dialect: 'postgresql',
      connectionString: db.connectionString,
      timeZone: 'Europe/Berlin',
      streams: [
        { name: 'receipts', table: 'shop.Receipts', keyColumns: ['id'], cursorColumn: 'total', pageRows: 1 },
        { name: 'orders', table: 'Orders', keyColumns: ['Id'], cursorColumn: 'Changed' },
      ],
    });
    const source = new OdbcSource(config, ctx);
    await source.connect(signal);
    const { records } = await drain(source, ctx);
    await source.close();
    const receipts = records.filter((r) => r.stream === 'receipts').map((r) => r.data);
    // 10.10 and 10.1 are equal numerics: the key breaks the tie, both arrive once.
    expect(receipts).toEqual([
      { id: '3', total: '9.99', at: '2024-03-02T07:59:59.999999+00:00' },
      { id: '1', total: '10.10', at: '2024-03-01T04:30:00.123456+00:00' },
      { id: '2', total: '10.10', at: '2024-03-01T12:00:00.000001+00:00' },
    ]);
    expect(ctx.committed.get('pos/receipts')).toMatchObject({ cursor: '10.10', key: ['2'] });
    // Unquoted names fold to lower case in PostgreSQL; the catalog's spelling is what the data carries.
    // 02:30 on 2024-10-27 happens twice in Berlin: the earlier (CEST, +02:00) is taken. money arrives
    // as its plain numeric text, not with the server's currency formatting.
    expect(records.filter((r) => r.stream === 'orders').map((r) => [r.key, r.data])).toEqual([
      [{ id: '1' }, { id: '1', changed: '2024-10-27T02:30:00+02:00', tip: '1234.50' }],
      [{ id: '2' }, { id: '2', changed: '2024-10-27T03:30:00+01:00', tip: '-0.01' }],
    ]);
  });

  it('reports a connection the server dropped as NotConnectedError, and resumes after reconnecting', async () => {
    await db.exec(`CREATE TABLE tills (id integer PRIMARY KEY, updated bigint NOT NULL);
      INSERT INTO tills SELECT g, g FROM generate_series(1, 10) AS g;`);
    const ctx = memoryContext();
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'pos',
      dialect: 'postgresql',
      connectionString: db.connectionString,
      streams: [{ name: 'tills', table: 'tills', keyColumns: ['id'], cursorColumn: 'updated', pageRows: 4 }],
    });
    const source = new OdbcSource(config, ctx);
    await source.connect(signal);
    ctx.commit('pos', (await source.read(signal))!);
    await db.exec(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();`,
    );
    await expect(source.read(signal)).rejects.toBeInstanceOf(NotConnectedError);
    // Closed by the failure: reading again needs a reconnect, which the engine does.
    await expect(source.read(signal)).rejects.toMatchObject({ code: 'odbc_not_connected' });
    await source.connect(signal);
    const rest = await drain(source, ctx);
    expect(rest.records.map((r) => r.key.id)).toEqual(['5', '6', '7', '8', '9', '10']);
    await source.close();
  });

  it('keeps the agent off parallel workers, and reads a server that refuses a tuning hint all the same', async () => {
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'pos',
      dialect: 'postgresql',
      connectionString: db.connectionString,
      timeZone: 'UTC',
      streams: [{ name: 'one', table: 'one', keyColumns: ['id'], mode: 'append' }],
    });
    const setting = async (dialect: Dialect) => {
      const connection = await openConnection({ config, ctx: memoryContext(), driver: nodeOdbcDriver, dialect });
      try {
        const [row] = await connection.query(`SELECT current_setting('max_parallel_workers_per_gather') AS workers, current_setting('TimeZone') AS zone`);
        return row;
      } finally {
        await connection.close();
      }
    };
    expect(await setting(postgresqlDialect)).toEqual({ workers: '0', zone: 'UTC' });
    // As a server without the setting answers (PostgreSQL before 9.6): the connection still opens, the rest applies.
    const older = { ...postgresqlDialect, sessionHints: ['SET no_such_setting_before_9_6 = 0', ...(postgresqlDialect.sessionHints ?? [])] };
    expect(await setting(older)).toEqual({ workers: '0', zone: 'UTC' });
  });
});
