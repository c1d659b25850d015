/**
 * The one query shape the source runs against a table: the next page after a position, in
 * `(cursor, key…)` order. Keyset pagination rather than a driver cursor, because MariaDB's ODBC
 * cursors stop early and every driver sizes its buffers per row (DESIGN.md §5): a page is one
 * bounded query, and nothing stays open between pages.
 *
 *   WHERE cursor IS NOT NULL
 *     AND cursor >= :c AND (cursor > :c OR (cursor = :c AND (k1, k2) > (:k1, :k2)))
 *   ORDER BY cursor, k1, k2 LIMIT n
 *
 * The leading `cursor >= :c` is implied by the rest; it is there so every planner sees a range on
 * the cursor column's index. Row-value comparison works in PostgreSQL, MariaDB and SQLite ≥ 3.15.
 */
import type { ColumnPlan, Dialect, TablePlan } from './dialects/index.ts';

export interface StreamPlan {
  stream: string;
  table: TablePlan;
  cursor: ColumnPlan;
  keys: ColumnPlan[];
  /** Index of the cursor and key columns in `table.columns` (and in each selected row). */
  cursorIndex: number;
  keyIndexes: number[];
}

/** A stream's position: the exact database text of the last row's cursor and key, or nothing yet. */
export interface Position {
  cursor: string | null;
  key: string[] | null;
}

export interface PageQuery {
  sql: string;
  parameters: string[];
}

/** Result column alias of table column `i` (names from the catalog never reach the SQL as aliases). */
export function columnAlias(i: number): string {
  return `c${i}`;
}

/** Alias of the longest-value guard (only when some column has a bounded buffer). */
export const LONGEST_ALIAS = 'longest';

export function pageQuery(plan: StreamPlan, position: Position, pageRows: number, dialect: Dialect): PageQuery {
  const { table, cursor, keys } = plan;
  const selects = table.columns.map((column, i) => `${column.select} AS ${columnAlias(i)}`);
  const guard = longestValueGuard(table.columns);
  if (guard !== null) selects.push(`${guard} AS ${LONGEST_ALIAS}`);

  const where = [`${cursor.compare} IS NOT NULL`];
  const parameters: string[] = [];
  if (position.cursor !== null && position.key !== null) {
    const c = cursor.parameter;
    const keyTuple =
      keys.length === 1
        ? `${keys[0]!.compare} > ${keys[0]!.parameter}`
        : `(${keys.map((k) => k.compare).join(', ')}) > (${keys.map((k) => k.parameter).join(', ')})`;
    where.push(
      `${cursor.compare} >= ${c} AND (${cursor.compare} > ${c} OR (${cursor.compare} = ${c} AND ${keyTuple}))`,
    );
    parameters.push(position.cursor, position.cursor, position.cursor, ...position.key);
  }
  const orderBy = [cursor, ...keys].map((column) => column.compare).join(', ');
  const sql = `SELECT ${selects.join(', ')} FROM ${table.from} WHERE ${where.join(' AND ')} ORDER BY ${orderBy} ${dialect.limitClause(pageRows)}`;
  return { sql, parameters };
}

/**
 * SQL for the byte length of the longest bounded value in the row, so a value the driver cut at its
 * buffer size is noticed (and re-read in pieces) instead of passing on truncated.
 */
function longestValueGuard(columns: ColumnPlan[]): string | null {
  const bounded = columns.filter((column) => column.maxBytes !== undefined);
  if (bounded.length === 0) return null;
  // Two leading zeros keep SQLite's max() the scalar function even for a single column.
  const lengths = bounded.map((column) => `coalesce(length(CAST(${column.select} AS BLOB)), 0)`);
  return `max(0, 0, ${lengths.join(', ')})`;
}
