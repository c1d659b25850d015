/**
 * Catalog discovery, preview and table access against the real databases: PostgreSQL (with a role
 * that may not read a table), MariaDB and SQLite, through their ODBC drivers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../../api/index.ts';
import { createMariaDbDatabase, createPostgresDatabase, createSqliteFile, POSTGRES, type ThrowawayDatabase } from '../../../../test/helpers/databases.ts';
import { dialectFor } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { describeColumns, grantStatement, listOdbcDataSources, listOdbcDrivers, listSchemas, listTables, openSourceConnection, previewRows, primaryKeyOf, probeTableAccess } from './index.ts';
import { serviceMissing } from '../../../../test/helpers/services.ts';

const noSecrets = { resolve: () => Promise.reject(new Error('no secrets in this test')) };

async function connect(db: ThrowawayDatabase, dialect: 'postgresql' | 'mariadb' | 'sqlite', connectionString = db.connectionString): Promise<OdbcConnection> {
  const config = OdbcSourceSchema.parse({ type: 'odbc', name: 'probe', dialect, connectionString, streams: [{ name: 's', table: 't', keyColumns: ['id'], cursorColumn: 'id' }] });
  return (await openSourceConnection(config, noSecrets)).connection;
}

describe.skipIf(serviceMissing('postgresql'))('PostgreSQL catalog', () => {
  let db: ThrowawayDatabase;
  let connection: OdbcConnection;
  let limited: OdbcConnection;
  const role = `tya_noselect_${process.pid}`;

  beforeAll(async () => {
    db = await createPostgresDatabase('discovery');
    await db.exec(`
      CREATE SCHEMA ledger;
      CREATE TABLE public.receipts (store int NOT NULL, receipt_no bigint NOT NULL, total numeric(15,2) NOT NULL,
        note text, closed_at timestamptz, PRIMARY KEY (store, receipt_no));
      CREATE TABLE ledger.entries (id bigserial PRIMARY KEY, amount numeric(38,10));
      CREATE TABLE public.payroll (id int PRIMARY KEY, salary numeric(10,2));
      CREATE VIEW public.open_receipts AS SELECT * FROM public.receipts WHERE closed_at IS NULL;
      INSERT INTO public.receipts VALUES (7, 9223372036854775807, 1234567890123.45, 'Ümlaut ☕', '2025-03-01 10:00:00.123456+01'),
        (7, 1, 0.10, NULL, NULL);
      DROP ROLE IF EXISTS ${role};
      CREATE ROLE ${role} LOGIN;
      GRANT SELECT ON public.receipts TO ${role};`);
    connection = await connect(db, 'postgresql');
    limited = await connect(db, 'postgresql', db.connectionString.replace(`Uid=${POSTGRES.user}`, `Uid=${role}`));
  });

  afterAll(async () => {
    await limited?.close();
    await connection?.close();
    // Roles are cluster-wide: revoke what it holds in this database, drop it, then the database.
    await db?.exec(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; DROP ROLE IF EXISTS ${role};`);
    await db?.drop();
  });

  it('lists schemas, tables and views, marking what this user may not read', async () => {
    const dialect = dialectFor('postgresql');
    expect(await listSchemas(connection, dialect)).toEqual(['ledger', 'public']);
    const tables = await listTables(limited, dialect);
    expect(tables.map((t) => [`${t.schema}.${t.name}`, t.kind, t.readable])).toEqual([
      ['ledger.entries', 'table', false],
      ['public.open_receipts', 'view', false],
      ['public.payroll', 'table', false],
      ['public.receipts', 'table', true],
    ]);
    expect((await listTables(connection, dialect, 'ledger')).map((t) => t.name)).toEqual(['entries']);
  });

  it('describes columns with types, nullability and the primary key in key order', async () => {
    const described = (await describeColumns(connection, dialectFor('postgresql'), 'receipts'))!;
    expect(described.table).toEqual({ schema: 'public', name: 'receipts', kind: 'table', readable: true });
    expect(described.columns).toEqual([
      { name: 'store', type: 'integer', nullable: false, primaryKey: 1 },
      { name: 'receipt_no', type: 'bigint', nullable: false, primaryKey: 2 },
      { name: 'total', type: 'numeric(15,2)', nullable: false, primaryKey: null },
      { name: 'note', type: 'text', nullable: true, primaryKey: null },
      { name: 'closed_at', type: 'timestamp with time zone', nullable: true, primaryKey: null },
    ]);
    expect(primaryKeyOf(described.columns)).toEqual(['store', 'receipt_no']);
    expect((await describeColumns(connection, dialectFor('postgresql'), 'ledger.entries'))!.columns[1]!.type).toBe('numeric(38,10)');
    expect(await describeColumns(connection, dialectFor('postgresql'), 'nothing_here')).toBeNull();
  });

  it('previews rows as the exact text the agent would send', async () => {
    const preview = await previewRows(connection, dialectFor('postgresql'), 'receipts', 5, 'Europe/Berlin');
    expect(preview.rows).toContainEqual({
      store: '7',
      receipt_no: '9223372036854775807',
      total: '1234567890123.45',
      note: 'Ümlaut ☕',
      closed_at: '2025-03-01T09:00:00.123456+00:00',
    });
    expect(preview.rows).toHaveLength(2);
    expect((await previewRows(connection, dialectFor('postgresql'), 'receipts', 1, 'UTC')).rows).toHaveLength(1);
  });

  it('tells a table this user may not read from one that does not exist', async () => {
    const dialect = dialectFor('postgresql');
    expect(await probeTableAccess(limited, dialect, 'receipts')).toEqual({ state: 'readable' });
    const denied = await probeTableAccess(limited, dialect, 'public.payroll');
    expect(denied).toMatchObject({ state: 'denied', user: role });
    expect(denied.state === 'denied' && denied.detail).toMatch(/permission denied/);
    expect(grantStatement(dialect, 'public.payroll', role)).toBe(`GRANT SELECT ON public.payroll TO ${role};`);
    expect(await probeTableAccess(limited, dialect, 'public.no_such_table')).toMatchObject({ state: 'missing' });
    await expect(probeTableAccess(limited, dialect, 'x; DROP TABLE receipts')).rejects.toThrow(/not a plain table name/);
  });
});

describe.skipIf(serviceMissing('mariadb'))('MariaDB catalog', () => {
  let db: ThrowawayDatabase;
  let connection: OdbcConnection;

  beforeAll(async () => {
    db = await createMariaDbDatabase('discovery');
    await db.exec(`
      CREATE TABLE sales_payments (sale_id INT NOT NULL, payment_type VARCHAR(40) NOT NULL, payment_amount DECIMAL(15,2) NOT NULL,
        PRIMARY KEY (sale_id, payment_type));
      CREATE VIEW big_payments AS SELECT * FROM sales_payments WHERE payment_amount > 100;
      INSERT INTO sales_payments VALUES (1, 'Cash', 1214.10), (1, 'Card', 0.01);`);
    connection = await connect(db, 'mariadb');
  });

  afterAll(async () => {
    await connection?.close();
    await db?.drop();
  });

  it('lists the database, its tables and views, and describes columns with the primary key', async () => {
    const dialect = dialectFor('mariadb');
    expect(await listSchemas(connection, dialect)).toContain(db.name);
    expect((await listTables(connection, dialect)).map((t) => [t.name, t.kind])).toEqual([
      ['big_payments', 'view'],
      ['sales_payments', 'table'],
    ]);
    const described = (await describeColumns(connection, dialect, 'SALES_PAYMENTS'))!;
    expect(described.table.name).toBe('sales_payments');
    expect(described.columns).toEqual([
      { name: 'sale_id', type: 'int(11)', nullable: false, primaryKey: 1 },
      { name: 'payment_type', type: 'varchar(40)', nullable: false, primaryKey: 2 },
      { name: 'payment_amount', type: 'decimal(15,2)', nullable: false, primaryKey: null },
    ]);
    const preview = await previewRows(connection, dialect, 'sales_payments', 10, 'UTC');
    expect(preview.rows).toEqual([
      { sale_id: '1', payment_type: 'Card', payment_amount: '0.01' },
      { sale_id: '1', payment_type: 'Cash', payment_amount: '1214.10' },
    ]);
  });
});

describe('SQLite catalog', () => {
  let db: ThrowawayDatabase;
  let connection: OdbcConnection;

  beforeAll(async () => {
    db = createSqliteFile('discovery');
    await db.exec(`CREATE TABLE lines (receipt_id INTEGER NOT NULL, line_no INTEGER NOT NULL, amount DECIMAL(15,2), note TEXT,
      PRIMARY KEY (receipt_id, line_no));
      CREATE VIEW v_lines AS SELECT * FROM lines;
      INSERT INTO lines VALUES (1, 2, '19.99', '${'x'.repeat(2000)}');`);
    connection = await connect(db, 'sqlite');
  });

  afterAll(async () => {
    await connection?.close();
    await db?.drop();
  });

  it('lists the main database and describes columns from the pragmas', async () => {
    const dialect = dialectFor('sqlite');
    expect(await listSchemas(connection, dialect)).toEqual(['main']);
    expect((await listTables(connection, dialect)).map((t) => [t.name, t.kind])).toEqual([
      ['lines', 'table'],
      ['v_lines', 'view'],
    ]);
    const described = (await describeColumns(connection, dialect, 'lines'))!;
    expect(described.columns).toEqual([
      { name: 'receipt_id', type: 'INTEGER', nullable: false, primaryKey: 1 },
      { name: 'line_no', type: 'INTEGER', nullable: false, primaryKey: 2 },
      { name: 'amount', type: 'DECIMAL(15,2)', nullable: true, primaryKey: null },
      { name: 'note', type: 'TEXT', nullable: true, primaryKey: null },
    ]);
    const preview = await previewRows(connection, dialect, 'lines', 1, 'UTC');
    expect(preview.rows[0]).toMatchObject({ receipt_id: '1', line_no: '2', amount: '19.99' });
    // SQLite reads every column through a bounded 1,020-byte buffer (see dialects/sqlite.ts): a
    // preview shows the start of a longer text and says which columns may be cut.
    expect((preview.rows[0]!.note as string).length).toBe(1020);
    expect(preview.possiblyCut).toEqual(['note']);
  });
});

describe('ODBC installation', () => {
  it('lists the drivers registered on this machine', async () => {
    const drivers = await listOdbcDrivers();
    expect(drivers).toMatchObject({ installed: true });
    expect(drivers.installed && drivers.names).toEqual(expect.arrayContaining(['PostgreSQL Unicode', 'MariaDB Unicode', 'SQLite3']));
  });

  it('reads "nothing defined" and "not installed" from odbcinst', async () => {
    const none = await listOdbcDataSources(() => Promise.resolve({ code: 1, stdout: 'odbcinst: SQLGetPrivateProfileString failed with .\n', stderr: '' }));
    expect(none).toEqual({ installed: true, names: [] });
    const two = await listOdbcDataSources(() => Promise.resolve({ code: 0, stdout: '[pos]\n[erp ledger]\n', stderr: '' }));
    expect(two).toEqual({ installed: true, names: ['pos', 'erp ledger'] });
    const missing = await listOdbcDrivers(() => Promise.reject(Object.assign(new Error('spawn odbcinst ENOENT'), { code: 'ENOENT' })));
    expect(missing).toEqual({ installed: false, reason: 'odbcinst is not installed' });
  });
});
