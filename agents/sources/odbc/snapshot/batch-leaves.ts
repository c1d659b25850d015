/**
 * Many small differing segments compared at once (integer keys only, see bucket-sums.ts): one query
 * returns just the key and hash of every row in all of them (not whole rows), the agent compares
 * those with the manifest, and only the rows whose hash changed or whose key is new are then read
 * whole, by key, a page at a time. With changes spread thinly, the rows read whole are about the
 * rows that changed, and the queries are a handful per chunk instead of one per segment.
 *
 * A row read whole carries the hash computed in that same query, so a record and the manifest
 * entry made from it always describe the same version of the row; a key that is gone by then is
 * left out (a delete if the manifest had it).
 */
import type { RowHashSql } from '../dialects/index.ts';
import type { Row } from '../row-reader.ts';
import { fetchRows } from '../row-reader.ts';
import { longestValueGuard, scanQuery } from '../scan-query.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { ReadContext } from '../stream-reader.ts';
import { cellText } from '../value-convert.ts';
import { INT64_MAX, INT64_MIN, int64, integerKey } from './bucket-sums.ts';
import { hashFromHex } from './row-hash.ts';
import type { RowList } from './row-list.ts';

/** Key ranges OR-ed into one key-and-hash query: keeps the SQL and its parameters small. */
const RANGES_PER_QUERY = 256;

export interface LeafRange {
  /** Exclusive lower key; null: the table's start. */
  lo: string[] | null;
  /** Inclusive upper key (the manifest's last key in the range). */
  hi: string[];
  /** Index in the old manifest of the range's first row, and its row count there. */
  start: number;
  size: number;
}

export interface LeafRow {
  key: string[];
  hash: bigint;
  /** The row's column texts when it changed or is new (an upsert); null when unchanged. */
  texts: (string | null)[] | null;
  /** Unchanged: its index in the old manifest (the new manifest takes it from there, by reference). */
  oldIndex?: number;
}

export interface LeafOutcome {
  /** The range's rows as they are now, in key order. */
  rows: LeafRow[];
  /** Old manifest indexes of the range's rows that are gone (deletes). */
  deleted: number[];
}

interface Changed {
  outcome: LeafOutcome;
  row: LeafRow;
  /** Its old manifest index; undefined for a new key. */
  index: number | undefined;
}

/** Compares `ranges` (ascending, disjoint) of an integer-keyed stream with the old manifest. */
export async function compareLeaves(
  context: ReadContext,
  plan: StreamPlan,
  rowHash: RowHashSql,
  old: RowList,
  ranges: readonly LeafRange[],
  pageRows: number,
  hashAlias: string,
): Promise<LeafOutcome[]> {
  const outcomes: LeafOutcome[] = ranges.map(() => ({ rows: [], deleted: [] }));
  const changed: Changed[] = [];
  for (let first = 0; first < ranges.length; first += RANGES_PER_QUERY) {
    const group = ranges.slice(first, first + RANGES_PER_QUERY);
    const found = await keyHashes(context, plan, rowHash, group);
    let r = 0;
    for (const row of found) {
      const key = int64(row.key[0]!);
      while (r < group.length - 1 && key! > int64(group[r]!.hi[0]!)!) r += 1;
      outcomes[first + r]!.rows.push(row);
    }
    group.forEach((range, i) => {
      const outcome = outcomes[first + i]!;
      const manifest = new Map<string, number>();
      for (let j = range.start; j < range.start + range.size; j += 1) manifest.set(old.key(j)[0]!, j);
      for (const row of outcome.rows) {
        const index = manifest.get(row.key[0]!);
        if (index !== undefined) manifest.delete(row.key[0]!);
        if (index === undefined || old.hash(index) !== row.hash) changed.push({ outcome, row, index });
        else row.oldIndex = index;
      }
      outcome.deleted.push(...manifest.values());
    });
  }
  await readWhole(context, plan, rowHash, changed, pageRows, hashAlias);
  return outcomes;
}

async function keyHashes(
  context: ReadContext,
  plan: StreamPlan,
  rowHash: RowHashSql,
  ranges: readonly LeafRange[],
): Promise<LeafRow[]> {
  const key = plan.keys[0]!;
  // Adjacent segments become one span.
  const spans: { lo: string | null; hi: string }[] = [];
  for (const range of ranges) {
    const last = spans.at(-1);
    if (last !== undefined && range.lo?.[0] === last.hi) last.hi = range.hi[0]!;
    else spans.push({ lo: range.lo?.[0] ?? null, hi: range.hi[0]! });
  }
  const parameters: string[] = [];
  const where = spansFilter(context, key.compare, key.parameter, spans, parameters);
  const keyText = context.dialect.integerText?.(key.compare) ?? key.select;
  const sql = `SELECT ${keyText} AS k, ${rowHash.hex(plan.table.columns)} AS h FROM ${plan.table.from} WHERE ${where} ORDER BY ${key.compare}`;
  const rows = await context.connection.query(sql, parameters);
  return rows.map((row) => {
    const text = cellText(row.k, key.name);
    if (text === null || int64(text) === null) {
      throw new Error(`Stream "${plan.stream}": key ${key.name} came back as ${String(row.k)}, not a 64-bit integer.`);
    }
    return { key: [text], hash: hashFromHex(row.h), texts: null };
  });
}

/**
 * SQL keeping the rows in any of `spans` (`(lo, hi]`). With a bucket function: the range from the
 * first span to the last, and an odd bucket number among the thresholds lo + 1, hi + 1, … (inside
 * a span), a binary search per row; PostgreSQL planned 256 OR-ed ranges as a scan testing every one
 * on each row (0.4 s a query under load). Without one: the OR of the ranges.
 */
function spansFilter(
  context: ReadContext,
  compare: string,
  parameter: string,
  spans: readonly { lo: string | null; hi: string }[],
  parameters: string[],
): string {
  const bucket = context.dialect.integerBucket;
  const his = spans.map((span) => int64(span.hi)!);
  if (bucket !== undefined && his.every((hi) => hi < INT64_MAX)) {
    const thresholds = spans.flatMap((span, i) => [span.lo === null ? INT64_MIN : int64(span.lo)! + 1n, his[i]! + 1n]);
    const first = spans[0]!.lo;
    const bounds = first === null ? [] : [`${compare} > ${parameter}`];
    if (first !== null) parameters.push(first);
    bounds.push(`${compare} <= ${parameter}`);
    parameters.push(spans.at(-1)!.hi);
    const inside = `MOD(${bucket(compare, thresholds, parameters)}, 2) = 1`;
    return `${bounds.join(' AND ')} AND ${inside}`;
  }
  return spans
    .map((span) => {
      if (span.lo !== null) parameters.push(span.lo);
      parameters.push(span.hi);
      return span.lo === null
        ? `${compare} <= ${parameter}`
        : `(${compare} > ${parameter} AND ${compare} <= ${parameter})`;
    })
    .join(' OR ');
}

/** Reads the changed rows whole, by key, and puts their texts and hashes in place (or drops the vanished). */
async function readWhole(
  context: ReadContext,
  plan: StreamPlan,
  rowHash: RowHashSql,
  changed: readonly Changed[],
  pageRows: number,
  hashAlias: string,
): Promise<void> {
  const key = integerKey(plan)!;
  const extra = [`${rowHash.hex(plan.table.columns)} AS ${hashAlias}`];
  const guard = longestValueGuard(plan.table.columns);
  if (guard !== null) extra.push(guard);
  const whole = new Map<string, Row>();
  for (let first = 0; first < changed.length; first += pageRows) {
    const values = changed.slice(first, first + pageRows).map(({ row }) => row.key[0]!);
    const query = scanQuery({
      table: plan.table,
      dialect: context.dialect,
      order: plan.keys,
      lower: { type: 'start' },
      within: { column: key, values },
      limit: values.length,
      extra,
    });
    for (const row of await fetchRows({ ...context, plan }, query, [hashAlias])) whole.set(row.key[0]!, row);
  }
  const vanished = new Set<LeafRow>();
  const touched = new Set<LeafOutcome>();
  for (const { outcome, row, index } of changed) {
    const read = whole.get(row.key[0]!);
    if (read === undefined) {
      vanished.add(row);
      touched.add(outcome);
      if (index !== undefined) outcome.deleted.push(index);
    } else {
      row.texts = read.texts;
      row.hash = hashFromHex(read.extra[hashAlias]);
    }
  }
  for (const outcome of touched) outcome.rows = outcome.rows.filter((row) => !vanished.has(row));
}
