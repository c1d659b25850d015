/**
 * A column's exact database text → the JSON value a record carries. Exact numbers (and floats, whose
 * database text is the only faithful form) stay strings; booleans become booleans; binary becomes
 * base64; timestamps become RFC 3339 with an offset; NULL stays null and '' stays ''.
 */
import type { JsonValue } from '../../api/index.ts';
import { assertNever } from '../../pipeline/errors.ts';
import type { ColumnKind } from './dialects/index.ts';
import { naiveTimestampToRfc3339 } from './zoned-time.ts';

const TRUE_TEXTS = new Set(['true', 't', '1']);
const FALSE_TEXTS = new Set(['false', 'f', '0']);

/** One cell as the driver returned it → its text. Every select is text, so anything else is a bug. */
export function cellText(value: unknown, column: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  // SQLite types an expression from its first value, so a number can appear; its text is exact
  // only for integers the driver did not narrow, which is why the SQL asks for text in the first place.
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) return String(value);
  throw new Error(`Column "${column}" came back as ${typeof value}, not text: the generated SQL must cast it.`);
}

export function toJsonValue(kind: ColumnKind, text: string | null, timeZone: string): JsonValue {
  if (text === null) return null;
  switch (kind) {
    case 'integer':
    case 'decimal':
    case 'float':
    case 'text':
    case 'date':
    case 'time':
    case 'other':
      return text;
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE_TEXTS.has(lower)) return true;
      if (FALSE_TEXTS.has(lower)) return false;
      return text; // a TINYINT(1) holding 7: keep what is there rather than guess
    }
    case 'binary':
      return hexToBase64(text);
    case 'timestamp':
      return naiveTimestampToRfc3339(text, timeZone);
    case 'timestamptz':
      // Sessions run in UTC: an offset-less instant (MariaDB TIMESTAMP) is UTC.
      return naiveTimestampToRfc3339(text, 'UTC');
    default:
      return assertNever(kind, 'column kind');
  }
}

/** `00FF` (SQLite/MariaDB HEX) or `\x00ff` (PostgreSQL bytea text) → base64. */
export function hexToBase64(hex: string): string {
  const digits = hex.startsWith('\\x') ? hex.slice(2) : hex;
  return Buffer.from(digits, 'hex').toString('base64');
}

/** A key column's value as text for `record.key` (booleans as `true`/`false`). */
export function keyText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
