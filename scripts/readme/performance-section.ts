/** The "Performance" section: the latest bench/results/summary.json as a table, with the machine it ran on. */
import type { BenchSummary } from '../../bench/lib/summary.ts';
import { SUMMARY_COLUMNS, summaryCells } from '../../bench/lib/summary.ts';

const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');

export function renderPerformance(summary: BenchSummary | null): string {
  const lines = ['## Performance', ''];
  if (summary === null) {
    lines.push('No benchmark results yet: run `npm run bench`, then `npm run readme`.');
    return lines.join('\n');
  }
  const m = summary.machine;
  const quick = summary.benchmarks.filter((b) => b.mode === 'quick').map((b) => b.name);
  lines.push(
    `Measured by \`npm run bench\`${summary.flags.length > 0 ? ` (${summary.flags.join(' ')})` : ''} on ${summary.startedAt.slice(0, 10)}: ` +
      `${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}, Node ${m.node}; load average ${m.loadAverage1m} when it started. ` +
      'Every benchmark runs its raw baseline in the same run on the same data; figures are medians of the timed runs' +
      `${quick.length > 0 ? `; ${quick.join(', ')} ran in quick mode (smaller sizes or shorter windows)` : ''}.`,
    ...(m.loadAverage1m > m.cores
      ? [
          '',
          `The machine was shared with other jobs (load ${m.loadAverage1m} on ${m.cores} cores), so absolute figures are lower than ` +
            'an idle machine gives; each ratio compares two sides measured in the same moments, run by run.',
        ]
      : []),
    ...perBenchmarkStarts(summary),
    '',
    `| ${SUMMARY_COLUMNS.join(' | ')} |`,
    `| ${SUMMARY_COLUMNS.map(() => '---').join(' | ')} |`,
  );
  for (const cells of summaryCells(summary)) lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  for (const entry of summary.benchmarks) {
    for (const table of entry.tables ?? []) {
      lines.push('', `${table.title} (bench/${entry.name}):`, '', `| ${table.columns.map(escapeCell).join(' | ')} |`);
      lines.push(`| ${table.columns.map(() => '---').join(' | ')} |`);
      for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
    }
  }
  const notes = summary.benchmarks.flatMap((b) => b.notes.map((note) => `- ${b.name}: ${note}`));
  if (notes.length > 0) lines.push('', 'What the figures say:', '', ...notes);
  lines.push(
    '',
    'Rerun: `npm run bench` (add `--quick` for a smoke run, `--only outbox,delivery` for some), then `npm run readme`. ' +
      'Per-benchmark details (all samples, the NORMAL/FULL × batch-size table) are in `bench/results/*.json`.',
  );
  return lines.join('\n');
}

/** When entries were kept from earlier `--only` runs (they started before this summary), each benchmark's own start and load. */
function perBenchmarkStarts(summary: BenchSummary): string[] {
  const starts = summary.benchmarks.filter((b) => b.startedAt !== undefined);
  const runStart = Date.parse(summary.startedAt) - 1000;
  if (!starts.some((b) => Date.parse(b.startedAt!) < runStart)) return [];
  return [
    '',
    'Some benchmarks were run separately (`--only`); each one\'s start and load: ' +
      starts.map((b) => `${b.name} ${b.startedAt!.slice(0, 16).replace('T', ' ')} UTC (load ${b.loadAverage1m ?? '?'})`).join(', ') +
      '.',
  ];
}
