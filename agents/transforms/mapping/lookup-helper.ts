/**
 * `$refLookup(name, value)`: maps a local code to the cloud's through one of the entity's reference
 * lists ("local tax code V19 → cloud tax code DE-19"), declared in the mapping's `lookups`. The agent
 * builds each lookup's table from its cached copy of the list (reference.db, refreshed with ETags and
 * used offline) and hands it to the mapping thread with the mapping; a newer copy of the list loads the
 * mapping again. A value the list does not have fails the record with both named; a list the agent has
 * never fetched holds the record until it arrives (then it is replayed by itself).
 */
import type { MappingLookup } from '../../api/index.ts';

/** One lookup's table: `from` column value → `to` column value; null while the list was never fetched. */
export interface LookupTable {
  list: string;
  from: string;
  to: string;
  values: Record<string, string> | null;
}
export type LookupTables = Record<string, LookupTable>;

/** Thrown inside an expression: the mapping thread reports it with its own code. */
export class LookupFailure extends Error {
  readonly lookupCode: 'lookup' | 'reference_unavailable';
  constructor(code: 'lookup' | 'reference_unavailable', message: string) {
    super(message);
    this.lookupCode = code;
  }
}

/** Builds the tables from the cached lists (rows as the reference cache keeps them). */
export function buildLookupTables(
  lookups: Record<string, MappingLookup> | undefined,
  rowsOf: (list: string) => readonly Record<string, string>[] | undefined,
): LookupTables {
  const tables: LookupTables = {};
  for (const [name, lookup] of Object.entries(lookups ?? {})) {
    const rows = rowsOf(lookup.list);
    let values: Record<string, string> | null = null;
    if (rows !== undefined) {
      values = {};
      for (const row of rows) {
        const from = row[lookup.from];
        const to = row[lookup.to];
        if (from !== undefined && to !== undefined && !Object.hasOwn(values, from)) values[from] = to;
      }
    }
    tables[name] = { list: lookup.list, from: lookup.from, to: lookup.to, values };
  }
  return tables;
}

/** The `$refLookup` bound for one mapping; without tables every call says how to declare one. */
export function lookupFunction(tables: LookupTables | undefined): (name: unknown, value: unknown) => string | undefined {
  return (name, value) => {
    const table = typeof name === 'string' && tables !== undefined && Object.hasOwn(tables, name) ? tables[name] : undefined;
    if (table === undefined) {
      throw new LookupFailure('lookup', `$refLookup("${String(name)}") names no lookup: declare it under "lookups" in the mapping file.`);
    }
    if (value === undefined || value === null) return undefined;
    if (table.values === null) {
      throw new LookupFailure('reference_unavailable', `The "${table.list}" list has never been fetched from the cloud, so ${JSON.stringify(value)} cannot be looked up. The record is held until the list arrives.`);
    }
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    if (!Object.hasOwn(table.values, key)) {
      throw new LookupFailure('lookup', `${JSON.stringify(value)} is not in the "${table.list}" list (column ${table.from}): add it there in the cloud, or correct the value in the source.`);
    }
    return table.values[key];
  };
}
