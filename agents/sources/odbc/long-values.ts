/**
 * Re-reads a value the driver would have cut at its fixed buffer (see dialects/sqlite.ts), in pieces
 * short enough for that buffer. Only rows whose longest value exceeds the buffer take this path, so
 * ordinary rows cost one query per page as usual.
 */
import { BackOffError } from '../../pipeline/errors.ts';
import type { ColumnPlan, Dialect } from './dialects/index.ts';
import type { StreamPlan } from './stream-plan.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import { cellText } from './value-convert.ts';

/** Characters per piece: at 4 bytes each this fits the 1,020-byte buffer with room to spare. */
const PIECE_CHARS = 200;

export async function readWholeValue(
  connection: OdbcConnection,
  dialect: Dialect,
  plan: StreamPlan,
  column: ColumnPlan,
  keyTexts: string[],
): Promise<string | null> {
  const where = plan.keys.map((key) => `${key.compare} = ${key.parameter}`).join(' AND ');
  let whole = '';
  for (let start = 1; ; start += PIECE_CHARS) {
    const sql = `SELECT ${dialect.substring(column.select, start, PIECE_CHARS)} AS part FROM ${plan.table.from} WHERE ${where} ${dialect.limitClause(1)}`;
    const rows = await connection.query(sql, keyTexts);
    const row = rows[0];
    if (row === undefined) {
      // Deleted between the page and this read: read the page again rather than pass on a cut value.
      throw new BackOffError(
        'odbc_row_changed',
        `A row of ${plan.table.displayName} changed while its long ${column.name} value was being read; reading again.`,
        1000,
      );
    }
    const part = cellText(row.part, column.name);
    if (part === null) return start === 1 ? null : whole;
    whole += part;
    if ([...part].length < PIECE_CHARS) return whole;
  }
}

/** The smallest driver buffer (bytes) among the plan's columns; null when none is bounded. */
export function cutLimitOf(plan: StreamPlan): number | null {
  const limit = Math.min(...plan.table.columns.map((column) => column.maxBytes ?? Infinity));
  return limit === Infinity ? null : limit;
}

/** True when a row's longest bounded value (`longest`, bytes) may have been cut at the buffer `limit`. */
export function mayBeCut(longest: unknown, limit: number): boolean {
  if (longest === null || longest === undefined) return false;
  return Number(longest) > limit;
}
