/**
 * Writes a benchmark's result to bench/results/<name>.json (git-ignored) and prints it as one JSON
 * line on stdout, after the human-readable table, so a script can take the last line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult } from './bench-result.ts';
import { describeTarget } from './bench-result.ts';
import { formatNumber } from './format-number.ts';

export const RESULTS_DIR = path.resolve(import.meta.dirname, '../results');

export function resultPath(name: string, dir: string = RESULTS_DIR): string {
  return path.join(dir, `${name}.json`);
}

export function writeResult(
  result: BenchResult,
  options: { dir?: string; print?: (line: string) => void } = {},
): string {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const file = resultPath(result.name, options.dir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  for (const row of result.rows) {
    const verdict = row.pass === null ? '' : row.pass ? '  PASS' : '  FAIL';
    print(
      `${row.metric}: ours ${formatNumber(row.ours.value)} ${row.ours.unit}, ${row.baseline.label} ` +
        `${formatNumber(row.baseline.value)} ${row.baseline.unit}, ratio ${formatNumber(row.ratio)}×` +
        `${row.target === null ? '' : ` (target ${describeTarget(row.target, row.ours.unit)})`}${verdict}`,
    );
  }
  for (const note of result.notes) print(`note: ${note}`);
  print(JSON.stringify(result));
  return file;
}
