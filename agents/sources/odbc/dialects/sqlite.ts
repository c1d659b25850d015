/**
 * SQLite through the SQLite3 ODBC driver (libsqliteodbc). SQLite types are only declared: any
 * column may hold any value, and the driver sizes its buffers from the declared type. What was
 * measured here with driver 0.9998 and `odbc` 2.6.0:
 * - a column declared TEXT/CLOB is reported as long varchar and fetched in pieces: exact, any length;
 * - a column declared INTEGER is bound as a 32-bit int (64-bit values break), DECIMAL(20,2) as a
 *   20-character string, VARCHAR(10) truncates longer text (SQLite never enforced the 10);
 * - any expression (`CAST(col AS TEXT)`) is reported as VARCHAR(255): 1,020 bytes of UTF-8 at most;
 * - a BLOB column is bound to a 255-byte buffer while the length indicator says more.
 * - the `odbc` package binds a buffer of the reported size for every cell of every row fetched: a
 *   long varchar (TEXT, 65,536 characters) therefore cost gigabytes per 500-row page (a 1,300-receipt
 *   POS database peaked at 4.5 GB RSS).
 * So every column is read as `CAST(col AS TEXT)` (or `hex()`) with its 1,020-byte limit recorded, and
 * the source re-reads the rare longer value in pieces: memory stays bounded by the page size.
 * Parameters need no CAST: comparing a column with a parameter applies the column's affinity.
 */
import type { OdbcConnection } from '../odbc-driver.ts';
import type { ColumnKind, ColumnPlan, Dialect, TablePlan, TableRef } from './dialect.ts';
import { quoteDouble, text } from './dialect.ts';

/** 255 characters × 4 bytes: the driver's buffer for an expression, without the terminator. */
const EXPRESSION_MAX_BYTES = 1020;

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  productName: 'SQLite',
  driverName: 'SQLite3',
  debianPackage: 'libsqliteodbc',
  sessionSetup: [],
  // How long the driver waits for another program's lock on the file, per attempt: its own default
  // is 100 s, and a connect waits inside the `odbc` package's process-wide lock, so a POS holding its
  // file locked held up every other ODBC source of the agent that long (measured: a connect waited
  // 18.8 s until the lock went; with 2 s it went on after 2 s and the query failed as "database is
  // locked", which is `odbc_busy`: the source retries). Normal writes hold the lock for milliseconds.
  connectDefaults: { Timeout: '5000' },
  queryTimeout: () => [],
  versionQuery: 'SELECT sqlite_version() AS version',
  quoteIdentifier: quoteDouble,
  limitClause: (rows) => `LIMIT ${rows}`,
  substring: (expression, start, length) => `substr(${expression}, ${start}, ${length})`,
  // SQLite keeps timestamps as text: whole seconds and one more second, so a value stored without
  // a fraction at exactly the window's start still sorts after the bound.
  secondsBefore: (parameter, seconds) => `strftime('%Y-%m-%d %H:%M:%S', ${parameter}, '-${seconds + 1} seconds')`,

  async describeTable(connection: OdbcConnection, ref: TableRef): Promise<TablePlan | null> {
    const info =
      ref.schema === null
        ? await connection.query('SELECT name, type FROM pragma_table_info(?) LIMIT 10000', [ref.table])
        : await connection.query('SELECT name, type FROM pragma_table_info(?, ?) LIMIT 10000', [ref.table, ref.schema]);
    if (info.length === 0) return null;
    // SQLite names are case-insensitive, so the config's spelling works in SQL as it is.
    const from = ref.schema === null ? quoteDouble(ref.table) : `${quoteDouble(ref.schema)}.${quoteDouble(ref.table)}`;
    const columns = info.map((row) => ({ name: text(row, 'name'), declared: text(row, 'type') }));
    return {
      from,
      displayName: ref.schema === null ? ref.table : `${ref.schema}.${ref.table}`,
      columns: columns.map((column) => columnPlan(column.name, column.declared)),
    };
  },
};

/** Declared type → kind, following SQLite's own affinity rules (sqlite.org/datatype3.html §3.1). */
export function sqliteKind(declared: string): ColumnKind {
  const type = declared.toUpperCase();
  if (type.includes('BOOL')) return 'boolean';
  if (type.includes('INT')) return 'integer';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'text';
  if (type.includes('BLOB')) return 'binary';
  if (type === '') return 'other';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'float';
  if (type === 'DATE') return 'date';
  if (type.includes('TIMESTAMPTZ') || type.includes('WITH TIME ZONE')) return 'timestamptz';
  if (type.includes('DATETIME') || type.includes('TIMESTAMP')) return 'timestamp';
  if (type === 'TIME') return 'time';
  return 'decimal';
}

function columnPlan(name: string, declared: string): ColumnPlan {
  const quoted = quoteDouble(name);
  const kind = sqliteKind(declared);
  const plan: ColumnPlan = { name, typeName: declared || '(none)', kind, select: quoted, compare: quoted, parameter: '?' };
  if (kind === 'binary') {
    // hex() of NULL is '', so NULL is kept apart explicitly. Upper-case hex sorts like the bytes.
    const hex = `hex(${quoted})`;
    return { ...plan, select: `CASE WHEN ${quoted} IS NULL THEN NULL ELSE ${hex} END`, compare: hex, maxBytes: EXPRESSION_MAX_BYTES };
  }
  return { ...plan, select: `CAST(${quoted} AS TEXT)`, maxBytes: EXPRESSION_MAX_BYTES };
}
