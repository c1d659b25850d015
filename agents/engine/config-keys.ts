/**
 * "Did you mean …?" for an unknown config key: the keys the schema allows at that place, found by
 * walking the zod schema along the path (unions are resolved against the config's own
 * value, e.g. a source's `type`), then the closest by edit distance.
 */
import type { z } from 'zod';
import { closestMatch } from '../api/did-you-mean.ts';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The object keys the schema allows at `path` in `value`, or [] when it cannot tell. */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, value: unknown): string[] {
  const target = objectSchemasAt(schema, path, value);
  return [...new Set(target.flatMap((s) => Object.keys(defOf(s).shape ?? {})))];
}

/** `'… did you mean "intervalSecs"?'` for each unknown key that is a likely typo. */
export function suggestKeys(unknown: readonly string[], known: readonly string[]): Map<string, string> {
  const suggestions = new Map<string, string>();
  for (const key of unknown) {
    const match = closestMatch(
      key,
      known.filter((k) => !unknown.includes(k)),
    );
    if (match !== undefined) suggestions.set(key, match);
  }
  return suggestions;
}

function objectSchemasAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, value: unknown): z.ZodType[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return def.innerType === undefined ? [] : objectSchemasAt(def.innerType, path, value);
    case 'pipe':
      return def.in === undefined ? [] : objectSchemasAt(def.in, path, value);
    case 'lazy':
      return def.getter === undefined ? [] : objectSchemasAt(def.getter(), path, value);
    case 'union': {
      const options = def.options ?? [];
      // Prefer the option whose literal `type` (or other discriminator) matches the value.
      const matching = options.filter((option) => literalsMatch(option, value));
      return (matching.length > 0 ? matching : options).flatMap((option) => objectSchemasAt(option, path, value));
    }
    case 'object': {
      if (path.length === 0) return [schema];
      const [head, ...rest] = path;
      const child = def.shape?.[String(head)];
      const childValue = isRecord(value) ? value[String(head)] : undefined;
      return child === undefined ? [] : objectSchemasAt(child, rest, childValue);
    }
    case 'array': {
      if (path.length === 0 || typeof path[0] !== 'number' || def.element === undefined) return [];
      const [index, ...rest] = path;
      return objectSchemasAt(def.element, rest, Array.isArray(value) ? value[index] : undefined);
    }
    default:
      return [];
  }
}

/** An object option whose literal fields (e.g. `type: 'odbc'`) all equal the value's. */
function literalsMatch(option: z.ZodType, value: unknown): boolean {
  const shape = unwrapObject(option);
  if (shape === undefined || !isRecord(value)) return false;
  const literals = Object.entries(shape).filter(([, field]) => defOf(field).type === 'literal');
  return (
    literals.length > 0 &&
    literals.every(([key, field]) =>
      ((defOf(field) as unknown as { values: unknown[] }).values ?? []).includes(value[key]),
    )
  );
}

function unwrapObject(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = defOf(schema);
  if (def.type === 'object') return def.shape;
  if (def.innerType !== undefined) return unwrapObject(def.innerType);
  if (def.type === 'pipe' && def.in !== undefined) return unwrapObject(def.in);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
