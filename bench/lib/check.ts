/**
 * `npm run bench -- --check`: did this run keep every benchmark within 10% of its target? For later
 * work to see whether it made the agent slower; not part of the tests (benchmarks are not tests).
 * A row misses by more than the tolerance when its figure (the ratio, or our own figure for absolute
 * targets) is below 90% of a `≥` target or above 110% of a `≤` one. A benchmark that crashed or
 * wrote no result fails the check too: silence is not a pass.
 */
import type { BenchRow } from './bench-result.ts';
import { describeTarget } from './bench-result.ts';
import { formatNumber } from './format-number.ts';
import type { SummaryEntry } from './summary.ts';

export const CHECK_TOLERANCE = 0.1;

export interface CheckFinding {
  benchmark: string;
  metric: string;
  /** e.g. `0.52× against ≥ 0.7× baseline (allowed down to 0.63×)`. */
  detail: string;
}

/** The figure the target is on, and the worst value the tolerance allows. */
function allowance(row: BenchRow): { figure: number; limit: number } | null {
  if (row.target === null) return null;
  const figure = row.target.on === 'ratio' ? row.ratio : row.ours.value;
  const limit = row.target.op === '>=' ? row.target.value * (1 - CHECK_TOLERANCE) : row.target.value * (1 + CHECK_TOLERANCE);
  return { figure, limit };
}

export function rowMissesBeyondTolerance(row: BenchRow): boolean {
  const a = allowance(row);
  if (a === null) return false;
  if (!Number.isFinite(a.figure)) return true;
  return row.target!.op === '>=' ? a.figure < a.limit : a.figure > a.limit;
}

export function checkSummary(entries: readonly SummaryEntry[]): CheckFinding[] {
  const findings: CheckFinding[] = [];
  for (const entry of entries) {
    if (entry.error !== undefined || (entry.rows.length === 0 && entry.tables.length === 0)) {
      findings.push({ benchmark: entry.name, metric: entry.title, detail: `no figures: ${entry.error ?? 'no rows'}` });
      continue;
    }
    for (const row of entry.rows) {
      if (!rowMissesBeyondTolerance(row)) continue;
      const a = allowance(row)!;
      const unit = row.target!.on === 'ratio' ? '×' : ` ${row.ours.unit}`;
      findings.push({
        benchmark: entry.name,
        metric: row.metric,
        detail: `${formatNumber(a.figure)}${unit} against ${describeTarget(row.target, row.ours.unit)} (allowed ${row.target!.op === '>=' ? 'down to' : 'up to'} ${formatNumber(a.limit)}${unit})`,
      });
    }
  }
  return findings;
}
