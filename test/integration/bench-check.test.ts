import { describe, expect, it } from 'vitest';
import { benchRow } from '../../bench/lib/bench-result.ts';
import { checkSummary, rowMissesBeyondTolerance } from '../../bench/lib/check.ts';
import { mergeSummaryEntries, type SummaryEntry } from '../../bench/lib/summary.ts';

const ratioRow = (ratio: number) =>
  benchRow({ metric: 'enqueue', ours: { value: ratio * 100, unit: 'records/s' }, baseline: { value: 100, unit: 'records/s', label: 'raw' }, target: { on: 'ratio', op: '>=', value: 0.7 } });
const rssRow = (mib: number) =>
  benchRow({ metric: 'idle RSS', ours: { value: mib, unit: 'MiB' }, baseline: { value: 40, unit: 'MiB', label: 'bare node' }, target: { on: 'ours', op: '<=', value: 80 } });
const entry = (rows: SummaryEntry['rows'], error?: string): SummaryEntry => ({
  name: 'x', title: 'x bench', mode: 'full', exitCode: error === undefined ? 0 : 1, durationSecs: 1, rows, tables: [], notes: [], ...(error === undefined ? {} : { error }),
});

describe('bench --check', () => {
  it('lets a miss within 10% of a ≥ target pass and catches one beyond it', () => {
    expect(rowMissesBeyondTolerance(ratioRow(0.7))).toBe(false);
    expect(rowMissesBeyondTolerance(ratioRow(0.64))).toBe(false);
    expect(rowMissesBeyondTolerance(ratioRow(0.62))).toBe(true);
  });

  it('does the same above a ≤ target on our own figure', () => {
    expect(rowMissesBeyondTolerance(rssRow(87))).toBe(false);
    expect(rowMissesBeyondTolerance(rssRow(89))).toBe(true);
  });

  it('ignores rows without a target and fails benchmarks that produced no figures', () => {
    const plain = benchRow({ metric: 'context', ours: { value: 1, unit: 's' }, baseline: { value: 1, unit: 's', label: 'b' } });
    expect(checkSummary([entry([plain])])).toEqual([]);
    const findings = checkSummary([entry([ratioRow(0.5)]), entry([], 'exited with 1')]);
    expect(findings.map((f) => f.detail)).toEqual([
      expect.stringMatching(/^0\.5× against ≥ 0\.7× baseline \(allowed down to 0\.63×\)$/),
      'no figures: exited with 1',
    ]);
  });
});

describe('bench --only keeps the other benchmarks of the last summary', () => {
  it('replaces the entries that ran and keeps the rest in their order', () => {
    const named = (name: string, metric: string): SummaryEntry => ({ ...entry([ratioRow(0.8)]), name, title: metric });
    const merged = mergeSummaryEntries([named('outbox', 'old'), named('odbc', 'old')], [named('odbc', 'new'), named('scaling', 'new')]);
    expect(merged.map((e) => `${e.name}:${e.title}`)).toEqual(['outbox:old', 'odbc:new', 'scaling:new']);
  });
});
