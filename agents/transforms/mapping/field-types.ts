/**
 * A target field's value as its declared type requires: money stays decimal text (a JS number there
 * went through float arithmetic somewhere, so it is refused, not printed), integers become exact
 * text like the sources give them, dates and timestamps must already be ISO.
 */
import type { JsonValue, MappingFieldType } from '../../api/index.ts';
import { assertNever } from '../../pipeline/errors.ts';

const MONEY = /^-?\d{1,100}(\.\d{1,100})?$/;
const INTEGER = /^-?\d{1,40}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export type Coerced = { ok: true; value: JsonValue } | { ok: false; expected: string };

/** `value` is what JSONata returned (undefined when the expression matched nothing). */
export function coerceField(type: MappingFieldType, value: unknown): Coerced {
  if (value === undefined || value === null) return { ok: true, value: null };
  switch (type) {
    case 'money':
      if (typeof value === 'string' && MONEY.test(value)) return { ok: true, value: value === '-0' ? '0' : value };
      return { ok: false, expected: typeof value === 'number' ? 'decimal text such as "12.50" (this number went through floating point: compute it with the decimal helpers)' : 'decimal text such as "12.50"' };
    case 'integer':
      if (typeof value === 'string' && INTEGER.test(value)) return { ok: true, value };
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value: String(value) };
      return { ok: false, expected: 'a whole number' };
    case 'text':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, expected: 'text' };
    case 'date':
      if (typeof value === 'string' && isDate(value)) return { ok: true, value };
      return { ok: false, expected: 'a date as YYYY-MM-DD' };
    case 'timestamp': {
      const parts = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
      if (parts !== null && isDate(parts[1] ?? '')) return { ok: true, value: value as string };
      return { ok: false, expected: 'a timestamp as RFC 3339 with a zone (2024-03-01T10:00:00+01:00 or …Z)' };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      return { ok: false, expected: 'true or false' };
    default:
      return assertNever(type, 'mapping field type');
  }
}

function isDate(text: string): boolean {
  const parts = DATE.exec(text);
  if (parts === null) return false;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A short, safe rendering of a value for an error message. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value; // a bigint or a cycle
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
