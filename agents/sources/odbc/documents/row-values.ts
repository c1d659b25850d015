/**
 * Rows of a document query → JSON objects keyed by column name, from the exact database text of
 * each column (selected as `c0`, `c1`, … so catalog names never reach the SQL as aliases).
 */
import type { JsonObject, JsonValue } from '../../../api/index.ts';
import { compareDecimals, isCanonicalDecimal } from '../../../formats/decimal.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { ColumnKind } from '../dialects/index.ts';
import type { OdbcRows } from '../odbc-driver.ts';
import { cellText, toJsonValue } from '../value-convert.ts';

/** Result alias of selected column `i` (names from the catalog never reach the SQL as aliases). */
export function columnAlias(i: number): string {
  return `c${i}`;
}

export interface ReadColumn {
  name: string;
  kind: ColumnKind;
  /** Longest text the driver hands over whole (SQLite expressions); a value that fills it may be cut. */
  maxBytes?: number;
}

export interface TextRow {
  /** Exact database text per column, in column order. */
  texts: (string | null)[];
  data: JsonObject;
}

export function readRows(rows: OdbcRows, columns: readonly ReadColumn[], timeZone: string, where: string): TextRow[] {
  return rows.map((row) => {
    const texts = columns.map((column, i) => {
      const text = cellText(row[columnAlias(i)], column.name);
      if (text !== null && column.maxBytes !== undefined && Buffer.byteLength(text) >= column.maxBytes - 3) {
        throw new PermanentError(
          'odbc_value_too_long',
          `${where}: a ${column.name} value is ${Buffer.byteLength(text)} bytes or longer, more than the SQLite ODBC driver hands over whole in a document.`,
          { hint: `Leave ${column.name} out of the document (a table mapping's "columns", or the SQL's select list).` },
        );
      }
      return text;
    });
    const data: JsonObject = {};
    columns.forEach((column, i) => {
      data[column.name] = toJsonValue(column.kind, texts[i] ?? null, timeZone);
    });
    return { texts, data };
  });
}

/**
 * A stable order for child rows whatever order the database returned them in (a MariaDB derived
 * table drops the configured ORDER BY): the named columns first, then every column; numbers compare
 * as numbers. The document's content, and so its version, is then the same on every read.
 */
export function sortRows(rows: JsonObject[], first: readonly string[], all: readonly string[]): JsonObject[] {
  const order = [...first, ...all.filter((name) => !first.includes(name))];
  return [...rows].sort((a, b) => {
    for (const name of order) {
      const difference = compareValues(a[name] ?? null, b[name] ?? null);
      if (difference !== 0) return difference;
    }
    return 0;
  });
}

export function compareValues(a: JsonValue, b: JsonValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') {
    if (isCanonicalDecimal(a) && isCanonicalDecimal(b)) {
      const numeric = compareDecimals(a, b);
      if (numeric !== 0) return numeric;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The row's column that the configuration names (exact spelling first, then ignoring case). */
export function resolveName(available: readonly string[], configured: string): string | undefined {
  return available.find((name) => name === configured) ?? available.find((name) => name.toLowerCase() === configured.toLowerCase());
}

/** A JSON cell as the text a figure is read from (null stays null). */
export function cellAsText(value: JsonValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
