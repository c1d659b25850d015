/**
 * One query for many ranges: the rows of `(after, last boundary]` are sorted into segments by the
 * boundaries (a balanced CASE tree of key comparisons, so each row costs log2(segments) of them)
 * and each segment's row count and hash sum come back as one group. A differing chunk is thus
 * split into 64 parts per query instead of two, which keeps both the number of queries and the
 * number of passes over a chunk small (data-diff bisects by 32 for the same reason).
 */
import type { ColumnPlan, RowHashSql } from '../dialects/index.ts';
import { compareTuple, scanQuery } from '../scan-query.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { ReadContext } from '../stream-reader.ts';
import { cellText } from '../value-convert.ts';
import { sumFromText } from './row-hash.ts';

export interface SegmentSum {
  rows: number;
  sum: bigint;
}

/** Count and hash sum of each segment `i`: keys in `(boundaries[i-1], boundaries[i]]`, the first from `after`. */
export async function segmentSums(
  context: ReadContext,
  plan: StreamPlan,
  rowHash: RowHashSql,
  after: string[] | null,
  boundaries: string[][],
): Promise<SegmentSum[]> {
  const caseParameters: string[] = [];
  const segment = caseTree(plan.keys, boundaries, 0, boundaries.length, caseParameters);
  return sumsBySegment(context, plan, rowHash, after, boundaries, { sql: segment, parameters: caseParameters });
}

/**
 * Runs one grouped query over `(after, boundaries.at(-1)]` with `segment` (SQL giving each row its
 * segment index, and that SQL's parameters) and returns count and hash sum per segment: shared by
 * the CASE tree above and the integer-key buckets (bucket-sums.ts), which differ only in `segment`.
 */
export async function sumsBySegment(
  context: ReadContext,
  plan: StreamPlan,
  rowHash: RowHashSql,
  after: string[] | null,
  boundaries: string[][],
  segment: { sql: string; parameters: string[] },
): Promise<SegmentSum[]> {
  const query = scanQuery({
    table: plan.table,
    dialect: context.dialect,
    order: plan.keys,
    lower: after === null ? { type: 'start' } : { type: 'after', values: after },
    upper: boundaries.at(-1)!,
    selects: [`${segment.sql} AS seg`, 'COUNT(*) AS n', `${rowHash.sum(plan.table.columns)} AS s`],
    groupBy: '1',
  });
  const settings = context.dialect.segmentSumsSettings;
  if (settings !== undefined) await context.connection.query(settings.before);
  let rows: Awaited<ReturnType<typeof context.connection.query>>;
  try {
    rows = await context.connection.query(query.sql, [...segment.parameters, ...query.parameters]);
  } catch (error) {
    // The query's own error is the one to report; a connection that broke cannot reset either.
    if (settings !== undefined) await context.connection.query(settings.after).catch(() => undefined);
    throw error;
  }
  if (settings !== undefined) await context.connection.query(settings.after);
  const sums: SegmentSum[] = boundaries.map(() => ({ rows: 0, sum: 0n }));
  for (const row of rows) {
    const index = Number(cellText(row.seg, 'seg'));
    if (!Number.isInteger(index) || index < 0 || index >= sums.length) {
      throw new Error(`The snapshot segment query returned segment ${String(row.seg)} of ${sums.length}.`);
    }
    sums[index] = { rows: Number(cellText(row.n, 'n') ?? 0), sum: sumFromText(cellText(row.s, 's') ?? '0') };
  }
  return sums;
}

/** SQL numbering a row's segment among [lo, hi): halves at each level, parameters in text order. */
function caseTree(keys: ColumnPlan[], boundaries: string[][], lo: number, hi: number, parameters: string[]): string {
  if (hi - lo <= 1) return String(lo);
  const mid = (lo + hi) >> 1;
  const test = compareTuple(keys, '<=', boundaries[mid - 1]!, parameters);
  const left = caseTree(keys, boundaries, lo, mid, parameters);
  const right = caseTree(keys, boundaries, mid, hi, parameters);
  return `CASE WHEN ${test} THEN ${left} ELSE ${right} END`;
}
