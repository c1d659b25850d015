/**
 * The fast path for the usual ERP table, keyed by one integer column: a chunk's rows are numbered
 * into thousands of segments by a binary search the database runs on the key (PostgreSQL
 * `width_bucket`, MariaDB `INTERVAL`), so one pass over the chunk returns the count and hash sum of
 * every `leafRows`-sized segment. segment-sums.ts's CASE tree does the same for any key, but its SQL
 * grows with the segments (4,096 of them took PostgreSQL 40 s to plan and run), so it stays at 64.
 *
 * Segments are `(boundaries[i-1], boundaries[i]]`, as in segment-sums.ts: for integers, a key k is
 * in segment i exactly when i of the thresholds `boundaries[j] + 1` are at most k.
 */
import type { ColumnPlan, RowHashSql } from '../dialects/index.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { ReadContext } from '../stream-reader.ts';
import { sumsBySegment, type SegmentSum } from './segment-sums.ts';

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

/** The stream's single integer key column, or null (composite or non-integer keys take the general path). */
export function integerKey(plan: StreamPlan): ColumnPlan | null {
  return plan.keys.length === 1 && plan.keys[0]!.kind === 'integer' ? plan.keys[0]! : null;
}

/** A key text as a 64-bit integer; null when it is not one (an unsigned BIGINT above 2^63 − 1). */
export function int64(text: string): bigint | null {
  if (!/^-?\d{1,20}$/.test(text)) return null;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX ? value : null;
}

/**
 * Count and hash sum of each segment `i`: keys in `(boundaries[i-1], boundaries[i]]`, the first from
 * `after`. Null when this database or these keys cannot take the fast path.
 */
export async function bucketSums(
  context: ReadContext,
  plan: StreamPlan,
  rowHash: RowHashSql,
  after: string[] | null,
  boundaries: string[][],
): Promise<SegmentSum[] | null> {
  const bucket = context.dialect.integerBucket;
  if (bucket === undefined || integerKey(plan) === null) return null;
  const thresholds: bigint[] = [];
  for (const boundary of boundaries.slice(0, -1)) {
    const value = int64(boundary[0]!);
    if (value === null || value === INT64_MAX) return null;
    thresholds.push(value + 1n);
  }
  const bucketParameters: string[] = [];
  const segment = thresholds.length === 0 ? '0' : bucket(plan.keys[0]!.compare, thresholds, bucketParameters);
  return sumsBySegment(context, plan, rowHash, after, boundaries, { sql: segment, parameters: bucketParameters });
}
