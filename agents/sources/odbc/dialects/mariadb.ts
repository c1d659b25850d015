/**
 * MariaDB (and MySQL) through MariaDB Connector/ODBC. Numbers, dates and times are read as
 * `CAST(col AS CHAR)`, whose reported size is the column's display width (MariaDB enforces it, so
 * the driver's fixed buffer always fits); strings are read as they are (long types are fetched in
 * pieces); binary as HEX. The session runs in UTC so TIMESTAMP columns (stored as instants) print
 * as UTC, while DATETIME (wall clock) is interpreted in the source's zone.
 */
import type { OdbcConnection } from '../odbc-driver.ts';
import type { ColumnKind, ColumnPlan, Dialect, TablePlan, TableRef } from './dialect.ts';
import { text } from './dialect.ts';

const DESCRIBE_SQL = `SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, COLUMN_NAME AS column_name,
  DATA_TYPE AS data_type, COLUMN_TYPE AS column_type,
  CAST(NUMERIC_PRECISION AS CHAR) AS numeric_precision, CAST(NUMERIC_SCALE AS CHAR) AS numeric_scale
FROM information_schema.COLUMNS
WHERE LOWER(TABLE_NAME) = LOWER(?) AND LOWER(TABLE_SCHEMA) = LOWER(COALESCE(NULLIF(?, ''), DATABASE()))
ORDER BY (BINARY TABLE_SCHEMA = ?) DESC, (BINARY TABLE_NAME = ?) DESC, TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION
LIMIT 10000`;

const KINDS: Record<string, ColumnKind> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  year: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  date: 'date',
  datetime: 'timestamp',
  timestamp: 'timestamptz',
  time: 'time',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'text',
  set: 'text',
  json: 'text',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
};

export const mariadbDialect: Dialect = {
  name: 'mariadb',
  productName: 'MariaDB',
  driverName: 'MariaDB Unicode',
  debianPackage: 'odbc-mariadb',
  defaultPort: 3306,
  sessionSetup: ["SET time_zone = '+00:00'"],
  // MariaDB 10.1+ counts seconds; a MySQL server only knows max_execution_time, in milliseconds.
  queryTimeout: (secs) => [`SET SESSION max_statement_time = ${secs}`, `SET SESSION max_execution_time = ${secs * 1000}`],
  versionQuery: 'SELECT VERSION() AS version',
  quoteIdentifier,
  limitClause: (rows) => `LIMIT ${rows}`,
  substring: (expression, start, length) => `SUBSTRING(${expression}, ${start}, ${length})`,
  secondsBefore: (parameter, seconds) => `(${parameter} - INTERVAL ${seconds} SECOND)`,
  // INTERVAL(N, N1, N2, …) binary-searches its integer arguments; they are written as literals
  // (bigints the agent parsed, so nothing but digits reaches the SQL), as each would be a parameter.
  integerBucket: (compare, thresholds) => `INTERVAL(${compare}, ${thresholds.join(', ')})`,
  rowHash: {
    id: 'mariadb-crc-1',
    hex: (columns) => `LPAD(HEX(${crcPair(columns)}), 16, '0')`,
    // SUM of BIGINT UNSIGNED is an exact DECIMAL; the agent reduces it modulo 2^64.
    sum: (columns) => `CAST(COALESCE(SUM(${crcPair(columns)}), 0) AS CHAR)`,
  },
  // CRC32C arrived in MariaDB 10.8; older servers (and MySQL) hash with MD5, about 7× slower.
  rowHashProbe: "SELECT CRC32C('') AS crc",
  rowHashFallback: {
    id: 'mariadb-md5-1',
    hex: (columns) => `LEFT(MD5(${rowText(columns)}), 16)`,
    sum: (columns) => `CAST(COALESCE(SUM(CAST(CONV(LEFT(MD5(${rowText(columns)}), 16), 16, 10) AS UNSIGNED)), 0) AS CHAR)`,
  },

  async describeTable(connection: OdbcConnection, ref: TableRef): Promise<TablePlan | null> {
    const schema = ref.schema ?? '';
    const rows = await connection.query(DESCRIBE_SQL, [ref.table, schema, schema, ref.table]);
    const first = rows[0];
    if (first === undefined) return null;
    const tableSchema = text(first, 'table_schema');
    const tableName = text(first, 'table_name');
    const columns = rows
      .filter((row) => text(row, 'table_schema') === tableSchema && text(row, 'table_name') === tableName)
      .map((row) => columnPlan(row));
    return {
      from: `${quoteIdentifier(tableSchema)}.${quoteIdentifier(tableName)}`,
      displayName: `${tableSchema}.${tableName}`,
      columns,
    };
  },
};

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function columnPlan(row: Record<string, unknown>): ColumnPlan {
  const name = text(row, 'column_name');
  const dataType = text(row, 'data_type').toLowerCase();
  const columnType = text(row, 'column_type').toLowerCase();
  // MariaDB has no boolean type: BOOLEAN is an alias of TINYINT(1), the convention every tool reads.
  const kind: ColumnKind = columnType.startsWith('tinyint(1)') ? 'boolean' : (KINDS[dataType] ?? 'other');
  const quoted = quoteIdentifier(name);
  const plan: ColumnPlan = { name, typeName: columnType, kind, select: quoted, compare: quoted, parameter: '?' };
  switch (kind) {
    case 'text':
    case 'other':
      // Strings compare as they are: a CAST would give the parameter the connection's collation
      // instead of the column's.
      return plan;
    case 'binary':
      return { ...plan, select: `HEX(${quoted})`, parameter: 'UNHEX(?)' };
    case 'integer':
    case 'boolean':
      return { ...plan, select: castChar(quoted), parameter: `CAST(? AS ${columnType.includes('unsigned') ? 'UNSIGNED' : 'SIGNED'})` };
    case 'decimal': {
      const precision = text(row, 'numeric_precision') || '65';
      const scale = text(row, 'numeric_scale') || '0';
      return { ...plan, select: castChar(quoted), parameter: `CAST(? AS DECIMAL(${precision},${scale}))` };
    }
    case 'float':
      return { ...plan, select: castChar(quoted), parameter: 'CAST(? AS DOUBLE)' };
    case 'date':
      return { ...plan, select: castChar(quoted), parameter: 'CAST(? AS DATE)' };
    case 'timestamp':
    case 'timestamptz':
      return { ...plan, select: castChar(quoted), parameter: 'CAST(? AS DATETIME(6))' };
    case 'time':
      return { ...plan, select: castChar(quoted), parameter: 'CAST(? AS TIME(6))' };
  }
}

function castChar(quoted: string): string {
  return `CAST(${quoted} AS CHAR)`;
}

/**
 * Every column as a quoted literal or NULL (QUOTE), so no two different rows give the same input.
 * The columns themselves, not their CAST(… AS CHAR) text: QUOTE converts numbers and dates to the
 * same text about five times faster. Strings as utf8mb4, so columns of different character sets
 * can be concatenated.
 */
function rowText(columns: ColumnPlan[]): string {
  const quoted = columns.map((column) =>
    column.kind === 'text' || column.kind === 'other' ? `QUOTE(CONVERT(${column.compare} USING utf8mb4))` : `QUOTE(${column.compare})`,
  );
  return `CONCAT(${quoted.join(', ')})`;
}

/** 64 bits from two different CRCs of the row's text (CRC32 and CRC32C): a chunk sum is about 3× a COUNT(*). */
function crcPair(columns: ColumnPlan[]): string {
  const text = rowText(columns);
  return `(CRC32(${text}) | (CRC32C(${text}) << 32))`;
}
