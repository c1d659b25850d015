/** The human-readable table printed at the end of the ODBC benchmarks (before the JSON line). */
import { describeTarget, type BenchRow } from '../lib/bench-result.ts';
import { formatNumber } from '../lib/format-number.ts';

export function printSummary(
  rows: readonly BenchRow[],
  context: ReadonlyArray<{ metric: string; value: string }>,
  log: (line: string) => void,
): void {
  const table = [
    ['metric', 'ours', 'baseline', 'ratio', 'target', ''],
    ...rows.map((row) => [
      row.metric,
      `${formatNumber(row.ours.value)} ${row.ours.unit}`,
      `${formatNumber(row.baseline.value)} ${row.baseline.unit} (${row.baseline.label})`,
      `${formatNumber(row.ratio)}×`,
      describeTarget(row.target, row.ours.unit),
      row.pass === null ? '' : row.pass ? 'PASS' : 'FAIL',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
  log('');
  for (const cells of table)
    log(
      cells
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  if (context.length > 0) {
    log('context (no target):');
    for (const { metric, value } of context) log(`  ${metric}: ${value}`);
  }
  log('');
}
