/**
 * Extraction rows/s on one database: our OdbcSource (read + convert, no outbox) against the raw
 * `odbc` loop over the same queries and connection string, interleaved run by run so a noisy moment
 * on a shared machine hits both sides alike; the database's own client dump as context.
 */
import { benchRow, type BenchRow } from '../lib/bench-result.ts';
import { median } from '../lib/median.ts';
import { dialectFor } from '../../agents/sources/odbc/dialects/index.ts';
import { BENCH_TABLE, benchSourceConfig, createBenchTable, type BenchDialect } from './bench-table.ts';
import { cliDumpCommand, timeCliDump } from './cli-dump.ts';
import { extractRaw, rawPlanFrom } from './extract-raw.ts';
import { extractWithSource } from './extract-ours.ts';
import { recordingDriver } from './recording-driver.ts';

export interface ExtractionResult {
  row: BenchRow;
  /** The client dump, rows/s (context). */
  cli: { label: string; rowsPerSec: number; msRuns: number[] };
  /** The raw loop with the `odbc` package's default buffers (1 MiB per long cell), one run, rows/s (context). */
  rawDefaultRowsPerSec: number;
  details: Record<string, unknown>;
}

const PRODUCT: Record<BenchDialect, string> = { postgresql: 'PostgreSQL', mariadb: 'MariaDB', sqlite: 'SQLite' };

export async function benchExtraction(
  dialect: BenchDialect,
  options: { rows: number; pageRows: number; runs: number; timeZone: string; log: (line: string) => void },
): Promise<ExtractionResult> {
  const { rows, pageRows, runs, log } = options;
  const table = await createBenchTable(dialect, rows);
  try {
    const config = benchSourceConfig(table, pageRows, { timeZone: options.timeZone });
    // Warm-up of ours, recorded: the raw loop runs the very queries it sees here.
    const recorder = recordingDriver();
    const recorded = await extractWithSource(config, recorder);
    if (recorded.records !== rows)
      throw new Error(`${PRODUCT[dialect]}: the source read ${recorded.records} of ${rows} rows.`);
    // The raw loop gets the source's driver settings, so the ratio is what our code costs on top.
    const plan = rawPlanFrom(recorder.queries, BENCH_TABLE, pageRows, dialectFor(dialect).longValueBufferBytes);
    await extractRaw(table.db.connectionString, plan);
    const oursMs: number[] = [];
    const rawMs: number[] = [];
    const oursCpuMs: number[] = [];
    const rawCpuMs: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const ours = await extractWithSource(config);
      const raw = await extractRaw(table.db.connectionString, plan);
      if (ours.records !== rows || raw.rows !== rows) {
        throw new Error(`${PRODUCT[dialect]} run ${run}: ours read ${ours.records}, raw ${raw.rows} of ${rows} rows.`);
      }
      oursMs.push(ours.ms);
      rawMs.push(raw.ms);
      oursCpuMs.push(ours.cpuMs);
      rawCpuMs.push(raw.cpuMs);
      log(
        `  ${PRODUCT[dialect]} run ${run + 1}/${runs}: ours ${Math.round(ours.ms)} ms (CPU ${Math.round(ours.cpuMs)} ms), ` +
          `raw odbc ${Math.round(raw.ms)} ms (CPU ${Math.round(raw.cpuMs)} ms)`,
      );
    }
    const cliMs: number[] = [];
    for (let run = 0; run < runs; run += 1) cliMs.push(await timeCliDump(table));
    const perSec = (ms: number[]) => rows / (median(ms) / 1000);
    const packageDefaults = await extractRaw(table.db.connectionString, { ...plan, initialBufferSize: undefined });
    const rawDefaultRowsPerSec = perSec([packageDefaults.ms]);
    const cli = { label: cliDumpCommand(table).label, rowsPerSec: perSec(cliMs), msRuns: cliMs.map(Math.round) };
    return {
      row: benchRow({
        metric: `ODBC extraction, ${PRODUCT[dialect]} (${rows.toLocaleString('en')} rows, pages of ${pageRows})`,
        ours: { value: perSec(oursMs), unit: 'rows/s' },
        baseline: { label: 'raw odbc loop, same queries', value: perSec(rawMs), unit: 'rows/s' },
        target: { on: 'ratio', op: '>=', value: 0.8 },
      }),
      cli,
      rawDefaultRowsPerSec,
      details: {
        dialect,
        rows,
        pageRows,
        timeZone: options.timeZone,
        pages: recorded.pages,
        oursMs: oursMs.map(Math.round),
        rawMs: rawMs.map(Math.round),
        oursCpuMs: oursCpuMs.map(Math.round),
        rawCpuMs: rawCpuMs.map(Math.round),
        // Raw CPU over ours: the wall-clock ratio's counterpart that a loaded machine disturbs less.
        cpuRatio: Math.round((median(rawCpuMs) / median(oursCpuMs)) * 1000) / 1000,
        cli,
        rawDefaultRowsPerSec: Math.round(rawDefaultRowsPerSec),
        initialBufferSize: plan.initialBufferSize ?? null,
        afterQuery: plan.afterSql,
      },
    };
  } finally {
    await table.db.drop();
  }
}
