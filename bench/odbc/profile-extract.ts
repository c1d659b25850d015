/**
 * Profiling aid (not a benchmark): ours side of the extraction alone, many times over one table, so
 * `node --cpu-prof bench/odbc/profile-extract.ts sqlite 50000` shows where the read time goes.
 */
import { benchSourceConfig, createBenchTable, type BenchDialect } from './bench-table.ts';
import { extractWithSource } from './extract-ours.ts';

const dialect = (process.argv[2] ?? 'sqlite') as BenchDialect;
const rows = Number(process.argv[3] ?? 20_000);
const runs = Number(process.argv[4] ?? 5);
const table = await createBenchTable(dialect, rows);
try {
  const config = benchSourceConfig(table, 1000);
  for (let run = 0; run < runs; run += 1) {
    const result = await extractWithSource(config);
    process.stdout.write(`${dialect} run ${run + 1}: ${result.records} rows in ${Math.round(result.ms)} ms\n`);
  }
} finally {
  await table.db.drop();
}
