import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import type { ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { createMariaDbDatabase } from '../../../test/helpers/databases.ts';
import { OdbcSource } from './odbc-source.ts';
import { describeOdbcSource } from './odbc-source-scenarios.ts';
import { drain, memoryContext } from './test-harness.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

const signal = new AbortController().signal;

describe.skipIf(serviceMissing('mariadb'))('OdbcSource on MariaDB (MariaDB Unicode driver)', () => {
  describeOdbcSource({
    dialect: 'mariadb',
    create: () => createMariaDbDatabase('odbc_maria'),
    types: {
      int: 'INT',
      bigint: 'BIGINT',
      decimal20: 'DECIMAL(20,2)',
      numeric38: 'DECIMAL(38,10)',
      longText: 'MEDIUMTEXT',
      timestamp: 'DATETIME(6)',
      boolean: 'BOOLEAN',
      binary: 'VARBINARY(100)',
      date: 'DATE',
    },
    hexLiteral: (hex) => `x'${hex}'`,
    asText: (column) => `CAST(${column} AS CHAR)`,
    keepsDecimals: true,
    wrongPort: (connectionString) => connectionString.replace('Port=3306', 'Port=1'),
  });
});

describe.skipIf(serviceMissing('mariadb'))('OdbcSource on MariaDB specifics', () => {
  let db: ThrowawayDatabase;
  const user = `tya_odbc_${process.pid}`;
  // Braces, a semicolon and an equals sign: all must survive the connection string's quoting.
  const password = 'p}a;s=s{w}}rd';
  beforeAll(async () => {
    db = await createMariaDbDatabase('odbc_maria_more');
    await db.exec(
      `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';
       GRANT SELECT ON ${db.name}.* TO '${user}'@'%';`,
    );
  });
  afterAll(async () => {
    await db?.exec(`DROP USER IF EXISTS '${user}'@'%'`);
    await db?.drop();
  });

  it('logs in with the keychain password, reads TIMESTAMP as UTC and BIGINT UNSIGNED exactly', async () => {
    await db.exec(`
      CREATE TABLE ledger (id BIGINT UNSIGNED PRIMARY KEY, posted TIMESTAMP(6) NOT NULL, ref VARBINARY(16));
      SET time_zone = '+00:00';
      INSERT INTO ledger VALUES (18446744073709551615, '2024-06-01 12:00:00.654321', x'beef'),
        (18446744073709551614, '2024-06-01 12:00:00.654321', NULL);`);
    const ctx = memoryContext({ secrets: { 'pos/db-password': password } });
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'pos',
      dialect: 'mariadb',
      connectionString: db.connectionString.replace('Uid=root', `Uid=${user}`),
      password: { secretRef: 'pos/db-password' },
      streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], cursorColumn: 'posted', pageRows: 1 }],
    });
    const source = new OdbcSource(config, ctx);
    await source.connect(signal);
    const { records } = await drain(source, ctx);
    await source.close();
    expect(records.map((r) => r.data)).toEqual([
      { id: '18446744073709551614', posted: '2024-06-01T12:00:00.654321+00:00', ref: null },
      { id: '18446744073709551615', posted: '2024-06-01T12:00:00.654321+00:00', ref: 'vu8=' },
    ]);

    const wrong = new OdbcSource(config, memoryContext({ secrets: { 'pos/db-password': 'not-the-password' } }));
    const error = await wrong.connect(signal).then(() => null, (e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'odbc_login_failed' });
    expect(error!.message).not.toContain('not-the-password');
  });

  it('reads 2,500 rows in pages of 1,000, past where the driver’s own cursors stop', async () => {
    await db.exec(`CREATE TABLE bulk (id INT PRIMARY KEY, updated BIGINT NOT NULL, note VARCHAR(40));
      INSERT INTO bulk SELECT seq, seq DIV 3, CONCAT('row ', seq) FROM seq_1_to_2500;`);
    const ctx = memoryContext();
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'pos',
      dialect: 'mariadb',
      connectionString: db.connectionString,
      streams: [{ name: 'bulk', table: 'bulk', keyColumns: ['id'], cursorColumn: 'updated', pageRows: 1000 }],
    });
    const source = new OdbcSource(config, ctx);
    await source.connect(signal);
    const { records, reads } = await drain(source, ctx);
    await source.close();
    expect(reads.map((r) => r.records.length)).toEqual([1000, 1000, 500]);
    expect(new Set(records.map((r) => r.key.id)).size).toBe(2500);
    expect(records.at(-1)!.data).toEqual({ id: '2500', updated: '833', note: 'row 2500' });
  });
});
