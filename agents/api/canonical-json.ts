/**
 * Canonical JSON in the style of RFC 8785 (JCS): the same value always gives the same bytes, whatever
 * order its keys were built in and however its numbers were written. Record versions are digests of
 * this text, and the cloud dedupes on them forever, so any instability here would show up as
 * duplicated effects.
 */
import type { JsonValue } from './json.ts';

export function canonicalJson(value: JsonValue): string {
  const parts: string[] = [];
  write(value, '$', parts, new Set());
  return parts.join('');
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
