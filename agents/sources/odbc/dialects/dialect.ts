/**
 * What differs between the databases the ODBC source reads: how to quote, how to learn a table's
 * columns, and for each column the SQL that returns its exact text and the SQL that turns a text
 * parameter back into its type (DESIGN.md §5: the drivers hand DECIMAL over as a double and BIGINT
 * as a JS bigint, so nothing is read or bound in its native type).
 */
import type { OdbcSourceConfig } from '../../../api/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';

export type DialectName = OdbcSourceConfig['dialect'];

/** How a column's text becomes a JSON value (see value-convert.ts). */
export type ColumnKind =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'text'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'time'
  | 'other';

export interface ColumnPlan {
  /** The name as the catalog spells it (also the key in record data). */
  name: string;
  /** The database's own type name, for messages. */
  typeName: string;
  kind: ColumnKind;
  /** SQL returning the column's exact text, or NULL. */
  select: string;
  /** SQL for the column in WHERE and ORDER BY (usually the quoted name). */
  compare: string;
  /** SQL for a text parameter compared with `compare`, e.g. `CAST(? AS DECIMAL(20,2))`. */
  parameter: string;
  /**
   * Longest value (UTF-8 bytes) the driver hands over for `select` without truncating it, when the
   * driver binds a fixed buffer for it (SQLite expressions); undefined when unbounded.
   */
  maxBytes?: number;
}

export interface TablePlan {
  /** Quoted, possibly schema-qualified name to use in FROM. */
  from: string;
  /** As the catalog spells it, for messages. */
  displayName: string;
  columns: ColumnPlan[];
}

export interface TableRef {
  schema: string | null;
  table: string;
}

export interface Dialect {
  readonly name: DialectName;
  /** "PostgreSQL", for messages. */
  readonly productName: string;
  /** The ODBC driver the Debian package registers, and the package. */
  readonly driverName: string;
  readonly debianPackage: string;
  /**
   * The first buffer (bytes) the `odbc` package gives each long-varchar cell; a longer value grows
   * it to its exact length. Undefined keeps the package's 1 MiB, which glibc serves with an
   * mmap/munmap pair per cell (PostgreSQL's `::text` columns are all long: ~180 ms a 1,000-row page
   * of 7 columns, ~35 ms with 1 KiB). Only where text cannot hold NUL: the package measures a value
   * that outgrew its first buffer with strlen, which would cut at an embedded NUL.
   */
  readonly longValueBufferBytes?: number;
  /**
   * Connection string settings added when the string names neither them nor a DSN (a DSN's own
   * settings in odbc.ini are the admin's and win). Keys as the driver spells them.
   */
  readonly connectDefaults?: Readonly<Record<string, string>>;
  /** The server's TCP port when the connection string names none; undefined for a file database. */
  readonly defaultPort?: number;
  /** Statements run once per connection (time zone, output formats). */
  readonly sessionSetup: readonly string[];
  /**
   * Statements run once per connection after `sessionSetup` that only tune how the server works for
   * the agent: a server that refuses one (an older version without the setting) is read without it.
   */
  readonly sessionHints?: readonly string[];
  /**
   * Statements that make the server stop any query of the connection after `secs` seconds
   * (`queryTimeoutSecs`), tried in order until one is accepted; none where the database has no such
   * limit (the SQLite driver ignores SQL_ATTR_QUERY_TIMEOUT; a lock there fails after its busy timeout).
   */
  queryTimeout(secs: number): readonly string[];
  /** Returns one row with a `version` column. */
  readonly versionQuery: string;
  quoteIdentifier(name: string): string;
  /** The clause that bounds a query to `rows` rows, placed at its end. */
  limitClause(rows: number): string;
  /** The table's columns in table order, or null when it does not exist (or is not visible). */
  describeTable(connection: OdbcConnection, ref: TableRef): Promise<TablePlan | null>;
  /** SQL of a substring (1-based start, length in characters) of a text expression. */
  substring(expression: string, start: number, length: number): string;
  /**
   * SQL for the timestamp parameter `parameter` moved back by at least `seconds` (the database does
   * the calendar arithmetic, at full precision); NULL when the text is not a timestamp.
   */
  secondsBefore(parameter: string, seconds: number): string;
  /**
   * A row's 64-bit content hash computed in the database, as 16 hex digits, and the sum of many
   * rows' hashes as exact decimal text (snapshot mode). Undefined when the database has no hash
   * function (SQLite): the agent then hashes the rows it reads (snapshot/row-hash.ts).
   */
  readonly rowHash?: RowHashSql;
  /** A query that fails where `rowHash` cannot run (an older server): `rowHashFallback` is used there. */
  readonly rowHashProbe?: string;
  readonly rowHashFallback?: RowHashSql;
  /**
   * The hash agents used before manifests named theirs: a manifest without a hash id was made with
   * it (its rows are compared with it once while the manifest is rebuilt in the current one).
   */
  readonly legacyRowHash?: RowHashSql;
  /**
   * SQL numbering a row by how many of `thresholds` (ascending 64-bit integers) are at most the
   * integer column `compare`, found by binary search in the database (PostgreSQL `width_bucket`,
   * MariaDB `INTERVAL`): thousands of snapshot segments in one pass (snapshot/bucket-sums.ts).
   * Undefined where the database has none; its parameters are appended to `parameters`.
   */
  integerBucket?: (compare: string, thresholds: readonly bigint[], parameters: string[]) => string;
  /**
   * Statements run before and after a query that adds up a key range's rows by segment, where the
   * planner needs telling to aggregate them in a hash table: PostgreSQL takes every key for its own
   * group, sorts the whole range (spilling to disk past work_mem) and only then adds up the
   * segments, 1.6× the time of a hash aggregate (bench/README.md, snapshot diff). Scoped to that one
   * query: key-ordered page reads must keep their plans.
   */
  readonly segmentSumsSettings?: { before: string; after: string };
  /** An integer column's exact text in a type the driver binds in a fixed buffer (default: the column's `select`). */
  integerText?: (compare: string) => string;
}

export interface RowHashSql {
  /** Names the function in the manifest: hashes made by another one never compare equal. */
  id: string;
  /** The row's hash over all its columns' text, as 16 hex digits. */
  hex(columns: ColumnPlan[]): string;
  /** Aggregate: the sum of the rows' hashes (read as 64-bit integers) as decimal text, '0' for none. */
  sum(columns: ColumnPlan[]): string;
}

export function splitTableName(table: string): TableRef {
  const dot = table.indexOf('.');
  return dot === -1 ? { schema: null, table } : { schema: table.slice(0, dot), table: table.slice(dot + 1) };
}

/** Double-quote style quoting (PostgreSQL, SQLite): embedded quotes are doubled. */
export function quoteDouble(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A catalog cell as text ('' for NULL): catalogs hand numbers back as numbers or bigints. */
export function text(row: Record<string, unknown>, column: string): string {
  const value = row[column];
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}
