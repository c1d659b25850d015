/**
 * Exports over real databases (PostgreSQL and MariaDB servers, a SQLite file, each through its
 * Debian ODBC driver): every value comes out as the database wrote it (money to the last digit, a
 * BIGINT above 2^53, NULL, Unicode, quotes and line breaks, bytes), in CSV and JSON lines, across
 * many fetches, for a whole table and for a query.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../../api/index.ts';
import { createMariaDbDatabase, createPostgresDatabase, createSqliteFile, type ThrowawayDatabase } from '../../../../test/helpers/databases.ts';
import { serviceMissing } from '../../../../test/helpers/services.ts';
import { exportRows } from './export-rows.ts';
import { writeExportFile } from './export-file.ts';

const secrets = { resolve: () => Promise.reject(new Error('no password in these tests')) };
const ROWS = 2_345;

interface Case {
  dialect: 'postgresql' | 'mariadb' | 'sqlite';
  skip: boolean;
  create: () => Promise<ThrowawayDatabase> | ThrowawayDatabase;
  ddl: string;
  /** Inserts ids 1..ROWS with amount id.01 and a tail of special rows. */
  fill: string;
  bytes: string;
  /** How a money literal is written (SQLite keeps exact digits only as text). */
  money: (value: string) => string;
}

const SPECIAL = (c: Case) => `
  INSERT INTO ledger (id, amount, big, note, raw) VALUES
    (900001, ${c.money('12345678901234567.89')}, 9007199254740993, 'Zürich, "quoted"\nsecond line', ${c.bytes}),
    (900002, ${c.money('-0.10')}, -9223372036854775808, NULL, NULL);`;
const literal = (v: string) => v;

const CASES: Case[] = [
  {
    dialect: 'postgresql',
    skip: serviceMissing('postgresql'),
    create: () => createPostgresDatabase('export_pg'),
    ddl: 'CREATE TABLE ledger (id INT PRIMARY KEY, amount NUMERIC(20,2) NOT NULL, big BIGINT, note TEXT, raw BYTEA)',
    fill: `INSERT INTO ledger SELECT g, (g || '.01')::numeric, g, 'row ' || g, NULL FROM generate_series(1, ${ROWS}) g;`,
    bytes: "'\\xbeef'::bytea",
    money: literal,
  },
  {
    dialect: 'mariadb',
    skip: serviceMissing('mariadb'),
    create: () => createMariaDbDatabase('export_maria'),
    ddl: 'CREATE TABLE ledger (id INT PRIMARY KEY, amount DECIMAL(20,2) NOT NULL, big BIGINT, note TEXT, raw VARBINARY(16))',
    fill: `INSERT INTO ledger SELECT seq, CONCAT(seq, '.01'), seq, CONCAT('row ', seq), NULL FROM seq_1_to_${ROWS};`,
    bytes: "x'beef'",
    money: literal,
  },
  {
    dialect: 'sqlite',
    skip: false,
    create: () => createSqliteFile('export_sqlite'),
    // SQLite keeps declared DECIMAL as text when it is given text: money stays exact only that way.
    ddl: 'CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount TEXT NOT NULL, big INTEGER, note TEXT, raw BLOB)',
    fill: `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${ROWS})
      INSERT INTO ledger SELECT n, n || '.01', n, 'row ' || n, NULL FROM g;`,
    bytes: "x'beef'",
    money: (value) => `'${value}'`,
  },
];

for (const c of CASES) {
  describe.skipIf(c.skip)(`exports on ${c.dialect}`, () => {
    let db: ThrowawayDatabase;
    let dir: string;
    const source = () =>
      OdbcSourceSchema.parse({ type: 'odbc', name: 'books', dialect: c.dialect, connectionString: db.connectionString, streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], mode: 'snapshot' }] });
    beforeAll(async () => {
      db = await c.create();
      await db.exec(`${c.ddl};
${c.fill}
${SPECIAL(c)}`);
      dir = mkdtempSync(path.join(os.tmpdir(), 'tya-export-'));
    }, 60_000);
    afterAll(async () => {
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('writes a whole table as CSV with exact values, a header, quoting and every row once', async () => {
      const file = path.join(dir, 'ledger.csv');
      const written = await writeExportFile(exportRows({ config: source(), secrets, table: 'ledger', fetchRows: 500 }), 'csv', file);
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\r\n');
      expect(lines[0]).toBe('id,amount,big,note,raw');
      expect(written.rows).toBe(ROWS + 2);
      expect(text).toContain('\r\n900001,12345678901234567.89,9007199254740993,"Zürich, ""quoted""\nsecond line",vu8=\r\n');
      expect(text).toContain('\r\n900002,-0.10,-9223372036854775808,,\r\n');
      expect(text).toContain(`\r\n${ROWS},${ROWS}.01,${ROWS},row ${ROWS},\r\n`);
      const ids = lines.slice(1).map((l) => l.split(',')[0]).filter((id) => /^\d+$/.test(id ?? ''));
      expect(new Set(ids).size).toBe(ROWS + 2);
      expect(written.bytes).toBe(Buffer.byteLength(text));
    }, 60_000);

    it('writes a query as JSON lines: strings for numbers, null for NULL', async () => {
      const file = path.join(dir, 'big.jsonl');
      const query = 'SELECT id, amount, big, note FROM ledger WHERE id > 900000 ORDER BY id';
      const written = await writeExportFile(exportRows({ config: source(), secrets, query, fetchRows: 1 }), 'jsonl', file);
      expect(written.rows).toBe(2);
      const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
      expect(rows).toEqual([
        { id: '900001', amount: '12345678901234567.89', big: '9007199254740993', note: 'Zürich, "quoted"\nsecond line' },
        { id: '900002', amount: '-0.10', big: '-9223372036854775808', note: null },
      ]);
    }, 60_000);

    it('names a missing table and what to check', async () => {
      const error = await writeExportFile(exportRows({ config: source(), secrets, table: 'no_such', fetchRows: 10 }), 'csv', path.join(dir, 'x.csv')).then(
        () => null,
        (e: unknown) => e as Error & { hint?: string },
      );
      expect(error?.message).toContain('has no table "no_such"');
      expect(error?.hint).toContain('discover');
    });
  });
}
