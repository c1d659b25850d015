/**
 * Canonical JSON in the style of RFC 8785 (JCS): the same value always gives the same bytes, whatever
 * order its keys were built in and however its numbers were written. Record versions are digests of
 * this text, and the cloud dedupes on them forever, so any instability here would show up as
 * duplicated effects.
 */
import type { JsonValue } from './json.ts';

export function canonicalJson(value: JsonValue): string {
  try {
    return fast(value, 0);
  } catch (error) {
    if (error !== SLOW) throw error;
  }
  // Something the fast walk does not vouch for: the careful walk says exactly what and where.
  const parts: string[] = [];
  write(value, '$', parts, new Set());
  return parts.join('');
}

/**
 * Thrown by the fast walk when the careful one must decide (an error, or nesting deep enough to be a
 * cycle). One instance, never seen outside this module: building an Error per fallback would cost a stack.
 */
const SLOW = new Error('canonicalJson: the careful walk decides');
/** Deeper than any record a source builds; a cycle reaches it quickly and is then named by `write`. */
const FAST_MAX_DEPTH = 64;

/**
 * The enqueue hot path (issue 15): the same text as `write`, built by string concatenation without
 * a path per value or a set of ancestors. It gives up (SLOW) on anything `write` would reject, so
 * both walks always agree on the text and errors always come from `write`.
 */
function fast(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw SLOW;
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw SLOW;
  }
  if (value === null) return 'null';
  if (depth >= FAST_MAX_DEPTH) throw SLOW;
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) throw SLOW;
      text += (i > 0 ? ',' : '') + fast(value[i], depth + 1);
    }
    return `${text}]`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw SLOW;
  const record = value as Record<string, unknown>;
  const keys = sortedKeysOf(Object.keys(record));
  if (isFlat(record, keys)) return JSON.stringify(record, keys);
  let text = '{';
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    text += `${i > 0 ? ',' : ''}${JSON.stringify(key)}:${fast(record[key], depth + 1)}`;
  }
  return `${text}}`;
}

/**
 * The rows of one source share their column order, so the sorted order of the last set of keys is
 * kept and reused while the next object's keys come in the same order (a comparison per key instead
 * of a sort). The returned array is shared: never changed by callers.
 */
let lastKeys: readonly string[] = [];
let lastSorted: string[] = [];

function sortedKeysOf(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  let same = keys.length === lastKeys.length;
  for (let i = 0; same && i < keys.length; i += 1) same = keys[i] === lastKeys[i];
  if (!same) {
    lastKeys = keys;
    lastSorted = [...keys].sort();
  }
  return lastSorted;
}

/**
 * True when every value is a string, a finite number, a boolean or null: then JSON.stringify with the
 * sorted keys as its property list writes exactly the text `fast` would (same string escapes, same
 * shortest number form, -0 as 0), natively. Nested values keep the walk, since the property list
 * would apply to their keys too.
 */
function isFlat(record: Record<string, unknown>, keys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i += 1) {
    const item = record[keys[i]!];
    switch (typeof item) {
      case 'string':
      case 'boolean':
        continue;
      case 'number':
        if (Number.isFinite(item)) continue;
        return false;
      case 'object':
        if (item === null) continue;
        return false;
      default:
        return false;
    }
  }
  return true;
}

function write(value: unknown, path: string, out: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`canonicalJson: ${path} is ${String(value)}, which JSON cannot represent`);
      }
      // JSON.stringify formats finite numbers as ECMAScript's Number::toString (the shortest
      // round-tripping form, which is what JCS prescribes) and writes -0 as 0.
      out.push(JSON.stringify(value));
      return;
    case 'bigint':
      throw new TypeError(
        `canonicalJson: ${path} is a bigint; exact integers must travel as decimal strings (e.g. "${value}")`,
      );
    case 'undefined':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonicalJson: ${path} is ${typeof value}, which is not a JSON value`);
    case 'object':
      break;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (ancestors.has(value)) throw new TypeError(`canonicalJson: ${path} refers back to itself (a cycle)`);
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out.push(',');
      if (!(i in value)) throw new TypeError(`canonicalJson: ${path}[${i}] is a hole in a sparse array`);
      write(value[i], `${path}[${i}]`, out, ancestors);
    }
    out.push(']');
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new TypeError(`canonicalJson: ${path} is a ${name}, not a plain JSON object`);
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, exactly the order RFC 8785 §3.2.3 asks for.
    const keys = Object.keys(record).sort();
    out.push('{');
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(record[key], `${path}.${key}`, out, ancestors);
    });
    out.push('}');
  }
  ancestors.delete(value);
}
