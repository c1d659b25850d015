/**
 * The table every ODBC benchmark reads, generated inside the database itself (no rows cross a
 * client): `bench_rows` with an ERP-like row, the same in PostgreSQL, MariaDB and SQLite. Row i has
 * id i, a distinct µs `updated_at` (the cursor), an account, an exact amount, a quantity, a memo
 * of `memoChars` characters and a boolean.
 */
import { OdbcSourceSchema, type OdbcSourceConfig } from '../../agents/api/index.ts';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  createSqliteFile,
  type ThrowawayDatabase,
} from '../../test/helpers/databases.ts';

export type BenchDialect = OdbcSourceConfig['dialect'];
export const BENCH_DIALECTS: readonly BenchDialect[] = ['postgresql', 'mariadb', 'sqlite'];
export const BENCH_TABLE = 'bench_rows';

export interface BenchTable {
  dialect: BenchDialect;
  db: ThrowawayDatabase;
  rows: number;
}

export async function createBenchTable(dialect: BenchDialect, rows: number, memoChars = 60): Promise<BenchTable> {
  switch (dialect) {
    case 'postgresql': {
      const db = await createPostgresDatabase('bench_odbc');
      await db.exec(`
        CREATE TABLE bench_rows (id bigint PRIMARY KEY, updated_at timestamp(6) NOT NULL, account varchar(20) NOT NULL,
          amount numeric(14,2) NOT NULL, qty integer NOT NULL, memo text, posted boolean NOT NULL);
        INSERT INTO bench_rows SELECT i,
          timestamp '2025-01-01 00:00:00' + i * interval '1 second' + (i % 1000) * interval '1 microsecond',
          'acct-' || (i % 97), ((i::bigint * 7919) % 1000000) / 100.0, i % 50,
          left(i || '-' || repeat(md5(i::text), ${Math.ceil(memoChars / 32) + 1}), ${memoChars}), i % 3 = 0
        FROM generate_series(1, ${rows}) AS i;
        CREATE INDEX bench_rows_cursor ON bench_rows (updated_at, id);
        VACUUM ANALYZE bench_rows;`);
      return { dialect, db, rows };
    }
    case 'mariadb': {
      const db = await createMariaDbDatabase('bench_odbc');
      await db.exec(`
        CREATE TABLE bench_rows (id bigint PRIMARY KEY, updated_at datetime(6) NOT NULL, account varchar(20) NOT NULL,
          amount decimal(14,2) NOT NULL, qty int NOT NULL, memo text, posted boolean NOT NULL,
          KEY bench_rows_cursor (updated_at, id)) CHARACTER SET utf8mb4;
        INSERT INTO bench_rows SELECT seq,
          TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 1000) MICROSECOND,
          CONCAT('acct-', seq % 97), ((seq * 7919) % 1000000) / 100, seq % 50,
          LEFT(CONCAT(seq, '-', REPEAT(MD5(seq), ${Math.ceil(memoChars / 32) + 1})), ${memoChars}), seq % 3 = 0
        FROM seq_1_to_${rows};
        ANALYZE TABLE bench_rows;`);
      return { dialect, db, rows };
    }
    case 'sqlite': {
      const db = createSqliteFile('bench_odbc');
      await db.exec(`
        CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, updated_at DATETIME NOT NULL, account VARCHAR(20) NOT NULL,
          amount DECIMAL(14,2) NOT NULL, qty INTEGER NOT NULL, memo TEXT, posted BOOLEAN NOT NULL);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${rows})
        INSERT INTO bench_rows SELECT i,
          printf('%s.%06d', datetime('2025-01-01', '+' || i || ' seconds'), i % 1000),
          'acct-' || (i % 97), printf('%.2f', ((i * 7919) % 1000000) / 100.0), i % 50,
          substr(printf('%d-%.*c', i, ${memoChars}, 'x'), 1, ${memoChars}), i % 3 = 0
        FROM s;
        CREATE INDEX bench_rows_cursor ON bench_rows (updated_at, id);
        ANALYZE;`);
      return { dialect, db, rows };
    }
  }
}

/** The source config that reads `bench_rows` by its cursor in pages of `pageRows`. */
export function benchSourceConfig(
  table: BenchTable,
  pageRows: number,
  options: { name?: string; mode?: 'cursor' | 'snapshot'; timeZone?: string } = {},
): OdbcSourceConfig {
  const stream =
    options.mode === 'snapshot'
      ? { name: BENCH_TABLE, table: BENCH_TABLE, keyColumns: ['id'], mode: 'snapshot' as const, pageRows }
      : { name: BENCH_TABLE, table: BENCH_TABLE, keyColumns: ['id'], cursorColumn: 'updated_at', pageRows };
  return OdbcSourceSchema.parse({
    type: 'odbc',
    name: options.name ?? `bench-${table.dialect}`,
    dialect: table.dialect,
    connectionString: table.db.connectionString,
    // The zone naive timestamps are read in: UTC has a fast path, any other zone is looked up per value.
    timeZone: options.timeZone ?? 'UTC',
    intervalSecs: 3600,
    streams: [stream],
  });
}
