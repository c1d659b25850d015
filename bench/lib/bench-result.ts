/**
 * The one shape every benchmark writes to bench/results/<name>.json, so `npm run bench` can put all
 * of them in one table and scripts/update-readme.ts can quote them. A benchmark has one or more
 * rows; each row is a measured figure of ours beside the raw baseline measured in the same run.
 */

export interface Measure {
  value: number;
  /** e.g. `records/s`, `MB`, `s`, `% of a core`. */
  unit: string;
}

/** What a row must meet: on the ratio (ours ÷ baseline) or on our absolute figure. */
export interface Target {
  on: 'ratio' | 'ours';
  op: '>=' | '<=';
  value: number;
}

export interface BenchRow {
  /** What was measured, in words: `outbox enqueue, FULL, 100 records/transaction`. */
  metric: string;
  ours: Measure;
  /** What the baseline is, in words, and its figure. */
  baseline: Measure & { label: string };
  /** ours.value ÷ baseline.value. */
  ratio: number;
  target: Target | null;
  /** null when the row has no target. */
  pass: boolean | null;
}

/** A small table worth showing beside the rows (the README prints it under the summary). */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface BenchResult {
  /** The folder name under bench/: `outbox`, `delivery`, `odbc`… */
  name: string;
  title: string;
  /** `quick` for a smoke run with reduced sizes; the README says which. */
  mode: 'full' | 'quick';
  startedAt: string;
  durationSecs: number;
  /** Timed runs per side (the rows hold medians of these). */
  runs: number;
  rows: BenchRow[];
  /** Tables for people (e.g. the NORMAL/FULL × batch-size table); optional. */
  tables?: BenchTable[];
  /** Anything else worth keeping: raw samples, sizes. */
  details: Record<string, unknown>;
  /** Sentences on what the figures imply. */
  notes: string[];
}

export function benchRow(input: {
  metric: string;
  ours: Measure;
  baseline: Measure & { label: string };
  target?: Target;
}): BenchRow {
  const ratio = input.baseline.value === 0 ? Number.NaN : input.ours.value / input.baseline.value;
  const target = input.target ?? null;
  return {
    metric: input.metric,
    ours: input.ours,
    baseline: input.baseline,
    ratio,
    target,
    pass: meetsTarget(target, input.ours.value, ratio),
  };
}

export function meetsTarget(target: Target | null, ours: number, ratio: number): boolean | null {
  if (target === null) return null;
  const figure = target.on === 'ratio' ? ratio : ours;
  if (!Number.isFinite(figure)) return false;
  return target.op === '>=' ? figure >= target.value : figure <= target.value;
}

/** `≥ 0.5× baseline`, `≤ 80 MB`: the target in words for tables. */
export function describeTarget(target: Target | null, unit: string): string {
  if (target === null) return '';
  const op = target.op === '>=' ? '≥' : '≤';
  return target.on === 'ratio' ? `${op} ${target.value}× baseline` : `${op} ${target.value} ${unit}`;
}
