/**
 * The one query shape every mode runs against a table: rows in the order of some columns (cursor
 * then key, or key alone), between bounds, at most `limit` of them. Keyset pagination rather than a
 * driver cursor, because MariaDB's ODBC cursors stop early and every driver sizes its buffers per
 * row (DESIGN.md §5): a page is one bounded query, and nothing stays open between pages.
 *
 *   WHERE c1 IS NOT NULL AND c2 IS NOT NULL                -- cursor columns
 *     AND c1 >= :c1 AND (c1, c2, k) > (:c1, :c2, :k)       -- after a position
 *     AND k <= :hi                                          -- up to an upper bound (snapshot ranges)
 *   ORDER BY c1, c2, k LIMIT n
 *
 * The leading `c1 >= :c1` is implied by the row comparison; it is there so every planner sees a
 * range on the first column's index. Row values work in PostgreSQL, MariaDB and SQLite ≥ 3.15.
 */
import type { ColumnPlan, Dialect, TablePlan } from './dialects/index.ts';

export type LowerBound =
  /** From the first row. */
  | { type: 'start' }
  /** Rows strictly after these values of the order columns. */
  | { type: 'after'; values: string[] }
  /** Rows whose first order column is at least `from` moved back by `seconds` (0: at least `from`). */
  | { type: 'window'; from: string; seconds: number };

export interface ScanRequest {
  table: TablePlan;
  dialect: Dialect;
  order: ColumnPlan[];
  lower: LowerBound;
  /** Inclusive upper bound on the order columns; none when undefined. */
  upper?: string[];
  /** Rows per query; undefined only for aggregates over a bounded range. */
  limit?: number;
  /** Extra `expression AS alias` selects (hashes, guards). */
  extra?: string[];
  /** Select these instead of every column (aggregates). */
  selects?: string[];
  /** Columns whose NULL rows are left out (cursor columns: no position can come after NULL). */
  notNull?: ColumnPlan[];
  /** `GROUP BY` clause (aggregates); the caller puts any parameters of `selects` before the query's. */
  groupBy?: string;
  /** Only rows whose column holds one of these texts (the other rows of the groups a page touched). */
  within?: { column: ColumnPlan; values: string[] };
}

export interface Query {
  sql: string;
  parameters: string[];
}

/** Result column alias of table column `i` (names from the catalog never reach the SQL as aliases). */
export function columnAlias(i: number): string {
  return `c${i}`;
}

export function scanQuery(request: ScanRequest): Query {
  const { table, dialect, order } = request;
  const selects = request.selects ?? [...table.columns.map((column, i) => `${column.select} AS ${columnAlias(i)}`), ...(request.extra ?? [])];
  const where = (request.notNull ?? []).map((column) => `${column.compare} IS NOT NULL`);
  const parameters: string[] = [];
  const lower = request.lower;
  if (lower.type === 'after') {
    where.push(compareTuple(order, '>', lower.values, parameters));
  } else if (lower.type === 'window') {
    const first = order[0]!;
    if (lower.seconds > 0) {
      // COALESCE: a text the database cannot read as a timestamp falls back to the position itself.
      where.push(`${first.compare} >= COALESCE(${dialect.secondsBefore(first.parameter, lower.seconds)}, ${first.parameter})`);
      parameters.push(lower.from, lower.from);
    } else {
      where.push(`${first.compare} >= ${first.parameter}`);
      parameters.push(lower.from);
    }
  }
  if (request.upper !== undefined) where.push(compareTuple(order, '<=', request.upper, parameters));
  if (request.within !== undefined) {
    const { column, values } = request.within;
    where.push(`${column.compare} IN (${values.map(() => column.parameter).join(', ')})`);
    parameters.push(...values);
  }
  const orderBy = request.selects === undefined ? ` ORDER BY ${order.map((column) => column.compare).join(', ')}` : '';
  const limit = request.limit === undefined ? '' : ` ${dialect.limitClause(request.limit)}`;
  const filter = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  const groupBy = request.groupBy === undefined ? '' : ` GROUP BY ${request.groupBy}`;
  const sql = `SELECT ${selects.join(', ')} FROM ${table.from}${filter}${groupBy}${orderBy}${limit}`;
  return { sql, parameters };
}

/** `(a, b) > (?, ?)` with a leading range on `a` for the index; a single column compares plainly. */
export function compareTuple(columns: ColumnPlan[], operator: '>' | '<=', values: string[], parameters: string[]): string {
  if (values.length !== columns.length) throw new Error(`${values.length} bound values for ${columns.length} columns`);
  const first = columns[0]!;
  if (columns.length === 1) {
    parameters.push(values[0]!);
    return `${first.compare} ${operator} ${first.parameter}`;
  }
  const lead = operator === '>' ? '>=' : '<=';
  parameters.push(values[0]!, ...values);
  return (
    `${first.compare} ${lead} ${first.parameter} AND ` +
    `(${columns.map((c) => c.compare).join(', ')}) ${operator} (${columns.map((c) => c.parameter).join(', ')})`
  );
}

/** Alias of the longest-value guard (only when some column has a bounded buffer). */
export const LONGEST_ALIAS = 'longest';

/**
 * SQL for the byte length of the longest bounded value in the row, so a value the driver cut at its
 * buffer size is noticed (and re-read in pieces) instead of passing on truncated.
 */
export function longestValueGuard(columns: ColumnPlan[]): string | null {
  const bounded = columns.filter((column) => column.maxBytes !== undefined);
  if (bounded.length === 0) return null;
  // Two leading zeros keep SQLite's max() the scalar function even for a single column.
  const lengths = bounded.map((column) => `coalesce(length(CAST(${column.select} AS BLOB)), 0)`);
  return `max(0, 0, ${lengths.join(', ')}) AS ${LONGEST_ALIAS}`;
}
