/**
 * `npm run bench`: every benchmark, one after another, each in its own process (one at a time, so
 * they do not measure each other), then one summary table and bench/results/summary.json with the
 * machine they ran on. A benchmark is any bench/<name>/index.ts; each writes
 * bench/results/<name>.json in the BenchResult shape (bench/lib/bench-result.ts).
 *   scripts/with-keyring.sh node bench/run-all.ts [--quick] [--runs N] [--only outbox,delivery] [--from-source] [--check]
 * `--check` exits 1 when any row misses its target by more than 10% (bench/lib/check.ts), so later
 * work can see that it did not make the agent slower.
 * (the agent-process benchmarks enroll through the OS keychain, hence the keyring wrapper).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkSummary } from './lib/check.ts';
import { machineInfo } from './lib/machine.ts';
import {
  SUMMARY_COLUMNS,
  mergeSummaryEntries,
  summaryCells,
  summaryEntry,
  type BenchSummary,
  type SummaryEntry,
} from './lib/summary.ts';
import { textTable } from './lib/text-table.ts';
import { RESULTS_DIR, resultPath } from './lib/write-result.ts';

const BENCH_DIR = import.meta.dirname;
/** Cheap ones first; the long process benchmarks last. Unknown names run after these, alphabetically. */
const PREFERRED_ORDER = ['outbox', 'delivery', 'odbc', 'files', 'restart', 'footprint', 'scaling'];
const TIMEOUT_MS = 60 * 60 * 1000;

export function discoverBenchmarks(dir: string = BENCH_DIR): string[] {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'index.ts')))
    .map((entry) => entry.name);
  const rank = (name: string) => {
    const i = PREFERRED_ORDER.indexOf(name);
    return i === -1 ? PREFERRED_ORDER.length : i;
  };
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function runBenchmark(name: string, flags: string[]): Promise<{ exitCode: number | null; durationSecs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(BENCH_DIR, name, 'index.ts'), ...flags], { stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, durationSecs: Math.round((performance.now() - started) / 100) / 10 });
    });
  });
}

/** The result written by this run of the benchmark (one left from an earlier run does not count). */
function freshResult(name: string, since: Date): unknown {
  const file = resultPath(name);
  if (!existsSync(file)) return undefined;
  const result = JSON.parse(readFileSync(file, 'utf8')) as { startedAt?: string };
  return typeof result.startedAt === 'string' && Date.parse(result.startedAt) >= since.getTime() - 1000
    ? result
    : undefined;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'from-source': { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      check: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const flags = [
    ...(values.quick ? ['--quick'] : []),
    ...(values['from-source'] ? ['--from-source'] : []),
    ...(values.runs === undefined ? [] : ['--runs', values.runs]),
  ];
  const all = discoverBenchmarks();
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !all.includes(name)) ?? [];
  if (unknown.length > 0) throw new Error(`No benchmark named ${unknown.join(', ')}; there are: ${all.join(', ')}.`);
  const names = only === undefined ? all : all.filter((name) => only.includes(name));

  const machine = machineInfo();
  const startedAt = new Date();
  const entries: SummaryEntry[] = [];
  for (const name of names) {
    process.stdout.write(`\n== bench/${name} ${flags.join(' ')}\n`);
    const since = new Date();
    const loadAverage1m = machineInfo(since).loadAverage1m;
    const run = await runBenchmark(name, flags);
    entries.push(summaryEntry(name, freshResult(name, since), { ...run, startedAt: since.toISOString(), loadAverage1m }));
  }
  const summaryFile = path.join(RESULTS_DIR, 'summary.json');
  const earlier = only !== undefined && existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as BenchSummary) : undefined;
  const summary: BenchSummary = {
    machine,
    // This run's start: entries kept from an earlier summary started before it (the README lists them).
    startedAt: startedAt.toISOString(),
    durationSecs: Math.round((Date.now() - startedAt.getTime()) / 1000),
    flags,
    benchmarks: earlier === undefined ? entries : mergeSummaryEntries(earlier.benchmarks, entries),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);

  process.stdout.write(
    `\n== summary (${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, Node ${machine.node}, ` +
      `load ${machine.loadAverage1m} at start, ${summary.durationSecs} s)\n`,
  );
  process.stdout.write(`${textTable(SUMMARY_COLUMNS, summaryCells({ benchmarks: entries }))}\n`);
  process.stdout.write(
    `written: ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'summary.json'))}; npm run readme puts it in README.md\n`,
  );
  if (values.check) {
    const findings = checkSummary(entries);
    for (const f of findings) process.stdout.write(`check: ${f.benchmark}: ${f.metric}: ${f.detail}\n`);
    process.stdout.write(
      findings.length === 0
        ? 'check: every figure is within 10% of its target\n'
        : `check: ${findings.length} figure(s) more than 10% worse than the target\n`,
    );
    if (findings.length > 0) return 1;
  }
  // Without --check: exit 0 when every benchmark ran; a missed target is a finding, not a crash.
  return entries.some((e) => e.error !== undefined) ? 1 : 0;
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
