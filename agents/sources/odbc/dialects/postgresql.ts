/**
 * PostgreSQL through psqlODBC. Every column is read as `col::text`: psqlODBC reports `text` as a
 * long varchar, which the `odbc` package fetches with SQLGetData in pieces, so values of any length
 * arrive whole and buffers stay as small as the data (DESIGN.md §5). The session runs in UTC with
 * ISO dates, so `timestamptz::text` prints the same instant the same way on every server.
 */
import type { OdbcConnection } from '../odbc-driver.ts';
import type { ColumnKind, ColumnPlan, Dialect, RowHashSql, TablePlan, TableRef } from './dialect.ts';
import { quoteDouble, text } from './dialect.ts';

// The schema filter follows the search path when the config names no schema, like an unqualified
// name in SQL would; an exact-case match wins over a case-insensitive one.
const DESCRIBE_SQL = `SELECT table_schema::text AS table_schema, table_name::text AS table_name,
  column_name::text AS column_name, udt_schema::text AS udt_schema, udt_name::text AS udt_name,
  data_type::text AS data_type, numeric_precision::text AS numeric_precision, numeric_scale::text AS numeric_scale
FROM information_schema.columns
WHERE lower(table_name) = lower(CAST(? AS text))
  AND CASE WHEN CAST(? AS text) = '' THEN table_schema::name = ANY (current_schemas(false))
      ELSE lower(table_schema) = lower(CAST(? AS text)) END
ORDER BY array_position(current_schemas(false), table_schema::name), (table_schema = CAST(? AS text)) DESC,
  (table_name = CAST(? AS text)) DESC, table_schema, table_name, ordinal_position
LIMIT 10000`;

const KINDS: Record<string, ColumnKind> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  numeric: 'decimal',
  float4: 'float',
  float8: 'float',
  bool: 'boolean',
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  bytea: 'binary',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  timetz: 'time',
};

/**
 * PostgreSQL's own 64-bit text hash (the one hash partitioning relies on, stable across versions)
 * over the columns' text, each quoted as a literal or NULL, so no two different rows give the same
 * input. About 10× a COUNT(*) on a million rows (the text conversion is most of it); MD5 took 20×.
 * Agents before pg-record-1 kept their manifests in this hash.
 */
const TEXT_HASH: RowHashSql = {
  id: 'pg-text-1',
  hex: (columns) => boundedHex(textHash(columns)),
  sum: (columns) => boundedSum(textHash(columns)),
};

/**
 * Hashes and sums as varchar(n), not text: psqlODBC reports `text` as an 8,190-char long varchar,
 * which the odbc package fetches cell by cell (a 1M-row diff spent ~10 s fetching 60,000 narrow
 * rows that way); a bounded varchar is bound in a fixed buffer. 16 hex digits; a sum of a million
 * 64-bit values has at most 26 digits and a sign.
 */
function boundedHex(hash: string): string {
  return `CAST(lpad(to_hex(${hash}), 16, '0') AS varchar(16))`;
}

function boundedSum(hash: string): string {
  return `CAST(coalesce(sum(${hash}), 0) AS varchar(40))`;
}

export const postgresqlDialect: Dialect = {
  name: 'postgresql',
  productName: 'PostgreSQL',
  driverName: 'PostgreSQL Unicode',
  debianPackage: 'odbc-postgresql',
  // text never holds NUL in PostgreSQL, so a value that outgrows 1 KiB is measured exactly.
  longValueBufferBytes: 1024,
  sessionSetup: ["SET TIME ZONE 'UTC'", 'SET DateStyle = ISO, YMD', "SET bytea_output = 'hex'"],
  // A background agent should not take the ERP server's cores (and on two cores the workers made the
  // snapshot's leaf-key queries three times slower: bench/README.md). PostgreSQL before 9.6 has no such setting.
  sessionHints: ['SET max_parallel_workers_per_gather = 0'],
  defaultPort: 5432,
  queryTimeout: (secs) => [`SET statement_timeout = ${secs * 1000}`],
  versionQuery: "SELECT current_setting('server_version') AS version",
  quoteIdentifier: quoteDouble,
  limitClause: (rows) => `LIMIT ${rows}`,
  substring: (expression, start, length) => `substr(${expression}, ${start}, ${length})`,
  secondsBefore: (parameter, seconds) => `(${parameter} - make_interval(secs => ${seconds}))`,
  integerText: (compare) => `CAST(${compare} AS varchar(20))`,
  // One array parameter, however many thresholds: `{1,65,129}`.
  integerBucket: (compare, thresholds, parameters) => {
    parameters.push(`{${thresholds.join(',')}}`);
    return `width_bucket(${compare}, CAST(? AS int8[]))`;
  },
  segmentSumsSettings: { before: 'SET enable_sort = off', after: 'RESET enable_sort' },
  rowHash: {
    id: 'pg-record-1',
    hex: (columns) => boundedHex(recordHash(columns)),
    sum: (columns) => boundedSum(recordHash(columns)),
  },
  // hash_record_extended arrived in PostgreSQL 14; older servers hash the rows' text.
  rowHashProbe: 'SELECT hash_record_extended(ROW(1), 0) AS h',
  rowHashFallback: TEXT_HASH,
  legacyRowHash: TEXT_HASH,

  async describeTable(connection: OdbcConnection, ref: TableRef): Promise<TablePlan | null> {
    const schema = ref.schema ?? '';
    const rows = await connection.query(DESCRIBE_SQL, [ref.table, schema, schema, schema, ref.table]);
    const first = rows[0];
    if (first === undefined) return null;
    const tableSchema = text(first, 'table_schema');
    const tableName = text(first, 'table_name');
    const columns = rows
      .filter((row) => text(row, 'table_schema') === tableSchema && text(row, 'table_name') === tableName)
      .map((row) => columnPlan(text(row, 'column_name'), text(row, 'udt_schema'), text(row, 'udt_name'), numericModifier(row)));
    return {
      from: `${quoteDouble(tableSchema)}.${quoteDouble(tableName)}`,
      displayName: `${tableSchema}.${tableName}`,
      columns,
    };
  },
};

/** `(12,2)` of a numeric(12,2) column: part of its type for schema-drift checks; '' otherwise. */
function numericModifier(row: Record<string, unknown>): string {
  const precision = text(row, 'numeric_precision');
  return text(row, 'udt_name') === 'numeric' && precision !== '' ? `(${precision},${text(row, 'numeric_scale') || '0'})` : '';
}

function columnPlan(name: string, udtSchema: string, udtName: string, modifier: string): ColumnPlan {
  const quoted = quoteDouble(name);
  const builtIn = udtSchema === 'pg_catalog';
  // money prints with the server's currency symbol and separators; as numeric it is exact and plain.
  const money = builtIn && udtName === 'money';
  return {
    name,
    typeName: udtName + modifier,
    kind: money ? 'decimal' : ((builtIn ? KINDS[udtName] : undefined) ?? 'other'),
    select: money ? `${quoted}::numeric::text` : `${quoted}::text`,
    compare: quoted,
    // The type without modifiers: `varchar`/`bpchar`/`numeric` without a length never truncate.
    parameter: `CAST(? AS ${quoteDouble(udtSchema)}.${quoteDouble(udtName)})`,
  };
}

function textHash(columns: ColumnPlan[]): string {
  return `hashtextextended(${columns.map((column) => `quote_nullable(${column.select})`).join(` || ',' || `)}, 0)`;
}

/**
 * The row's 64-bit hash from each column's own extended hash function (the ones hash partitioning
 * relies on, so stable across versions and platforms), without printing any value as text: about
 * 3–4× a COUNT(*) on a million rows, against 10× for textHash. Where a type's hash would call two
 * different texts equal, the text (or what tells them apart) is hashed too: a numeric's scale
 * (1.0 and 1.00 hash alike), floats as text (-0 and 0, NaNs), any type without a hash function
 * (`other`) as text. Text compares by bytes under the deterministic collations PostgreSQL uses by
 * default; under a nondeterministic collation two spellings it calls equal would hash alike.
 */
function recordHash(columns: ColumnPlan[]): string {
  const fields = columns.flatMap((column) => {
    const value = column.compare;
    switch (column.kind) {
      case 'integer':
      case 'boolean':
      case 'text':
      case 'binary':
      case 'date':
      case 'timestamp':
      case 'timestamptz':
      case 'time':
        return [value];
      case 'decimal': {
        const numeric = column.typeName === 'money' ? `${value}::numeric` : value;
        return [numeric, `scale(${numeric})`];
      }
      case 'float':
      case 'other':
        return [`${value}::text`];
    }
  });
  return `hash_record_extended(ROW(${fields.join(', ')}), 0)`;
}
