/**
 * `npm run readme`: regenerates README.md's two generated sections — "Guarantees and how we test
 * them" (docs/guarantees.md → test files, checked to exist) and "Performance" (bench/results/summary.json
 * from the last `npm run bench`). `--check` changes nothing and exits 1 when the README is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchSummary } from '../bench/lib/summary.ts';
import { collectGuarantees, renderGuarantees } from './readme/guarantees-section.ts';
import { renderPerformance } from './readme/performance-section.ts';
import { replaceGeneratedSection } from './readme/replace-section.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export function updateReadme(readme: string, root: string, summary: BenchSummary | null): string {
  const withGuarantees = replaceGeneratedSection(readme, 'guarantees', renderGuarantees(collectGuarantees(root)));
  return replaceGeneratedSection(withGuarantees, 'performance', renderPerformance(summary));
}

function main(): number {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } }, strict: true });
  const readmePath = path.join(ROOT, 'README.md');
  const summaryPath = path.join(ROOT, 'bench/results/summary.json');
  const summary = existsSync(summaryPath) ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as BenchSummary) : null;
  const before = readFileSync(readmePath, 'utf8');
  const after = updateReadme(before, ROOT, summary);
  if (values.check) {
    process.stdout.write(
      before === after ? 'README.md is up to date.\n' : 'README.md is out of date: run npm run readme.\n',
    );
    return before === after ? 0 : 1;
  }
  if (before !== after) writeFileSync(readmePath, after);
  process.stdout.write(
    `${before === after ? 'README.md unchanged' : 'README.md updated'}` +
      `${summary === null ? ' (no bench/results/summary.json yet: the Performance section says so)' : ` with the benchmarks of ${summary.startedAt}`}.\n`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
