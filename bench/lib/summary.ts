/**
 * bench/results/summary.json: every benchmark's rows from one `npm run bench`, with the machine they
 * ran on. run-all writes it; scripts/update-readme.ts quotes it.
 */
import type { BenchResult, BenchRow, BenchTable } from './bench-result.ts';
import { describeTarget } from './bench-result.ts';
import { formatNumber } from './format-number.ts';
import type { MachineInfo } from './machine.ts';

export interface SummaryEntry {
  name: string;
  title: string;
  mode: BenchResult['mode'] | 'unknown';
  /** The benchmark process's exit code (null: killed). */
  exitCode: number | null;
  durationSecs: number;
  rows: BenchRow[];
  tables: BenchTable[];
  notes: string[];
  /** Why there are no rows: the benchmark failed, or wrote no result, or one in an unknown shape. */
  error?: string;
  /** When this benchmark started and the load then: entries kept from an earlier `--only` run differ. */
  startedAt?: string;
  loadAverage1m?: number;
}

export interface BenchSummary {
  machine: MachineInfo;
  startedAt: string;
  durationSecs: number;
  /** Flags run-all was given (`--quick`, `--runs 7`…), so the README can say how the figures were made. */
  flags: string[];
  benchmarks: SummaryEntry[];
}

/** A result file's content as a summary entry; tolerant of results that do not follow BenchResult. */
export function summaryEntry(
  name: string,
  result: unknown,
  run: { exitCode: number | null; durationSecs: number; startedAt?: string; loadAverage1m?: number },
): SummaryEntry {
  const base = { name, exitCode: run.exitCode, durationSecs: run.durationSecs, startedAt: run.startedAt, loadAverage1m: run.loadAverage1m };
  if (!isBenchResult(result)) {
    return {
      ...base,
      title: name,
      mode: 'unknown',
      rows: [],
      tables: [],
      notes: [],
      error:
        result === undefined
          ? 'wrote no result'
          : `its result is not in the BenchResult shape (bench/lib/bench-result.ts)`,
    };
  }
  return {
    ...base,
    title: result.title,
    mode: result.mode,
    rows: result.rows,
    tables: result.tables ?? [],
    notes: result.notes,
    ...(run.exitCode === 0 ? {} : { error: `exited with ${run.exitCode}` }),
  };
}

function isBenchResult(value: unknown): value is BenchResult {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<BenchResult>;
  return (
    typeof v.name === 'string' &&
    Array.isArray(v.rows) &&
    v.rows.every((r) => typeof r?.metric === 'string' && typeof r.ours?.value === 'number')
  );
}

export const SUMMARY_COLUMNS = ['benchmark', 'measured', 'ours', 'baseline', 'ratio', 'target', 'result'] as const;

/** One line per row (or per failed benchmark), as text cells in SUMMARY_COLUMNS order. */
export function summaryCells(summary: Pick<BenchSummary, 'benchmarks'>): string[][] {
  const lines: string[][] = [];
  for (const entry of summary.benchmarks) {
    const name = entry.mode === 'quick' ? `${entry.name} (quick)` : entry.name;
    if (entry.rows.length === 0) {
      // A benchmark of tables only (bench/scaling) has no summary rows; its tables follow the summary.
      if (entry.error === undefined && entry.tables.length > 0) continue;
      lines.push([name, entry.title, '', '', '', '', `ERROR: ${entry.error ?? 'no rows'}`]);
      continue;
    }
    for (const row of entry.rows) {
      lines.push([
        name,
        row.metric,
        `${formatNumber(row.ours.value)} ${row.ours.unit}`,
        `${formatNumber(row.baseline.value)} ${row.baseline.unit} (${row.baseline.label})`,
        Number.isFinite(row.ratio) ? `${formatNumber(row.ratio)}×` : '–',
        describeTarget(row.target, row.ours.unit),
        row.pass === null ? '' : row.pass ? 'pass' : 'FAIL',
      ]);
    }
  }
  return lines;
}

/**
 * A run of some benchmarks (`--only`) updates their entries and keeps the others from the earlier
 * summary, each with its own start and load, so the README can show figures measured at quiet moments
 * without rerunning everything. Order: this run's order for new names, the earlier order otherwise.
 */
export function mergeSummaryEntries(earlier: readonly SummaryEntry[], fresh: readonly SummaryEntry[]): SummaryEntry[] {
  const byName = new Map(fresh.map((e) => [e.name, e]));
  const merged = earlier.map((e) => byName.get(e.name) ?? e);
  for (const e of fresh) if (!earlier.some((old) => old.name === e.name)) merged.push(e);
  return merged;
}
