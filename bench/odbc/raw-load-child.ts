/**
 * Child process of the RSS benchmark's baseline: runs the raw `odbc` keyset loop (extract-raw.ts)
 * over a table and exits, so its resident memory can be sampled on its own. The plan comes as JSON
 * in TYA_BENCH_RAW_PLAN, the connection string in TYA_BENCH_CONNECTION.
 */
import { extractRaw, type RawPlan } from './extract-raw.ts';

const plan = JSON.parse(process.env.TYA_BENCH_RAW_PLAN ?? 'null') as RawPlan | null;
const connectionString = process.env.TYA_BENCH_CONNECTION;
if (plan === null || connectionString === undefined) {
  process.stderr.write('raw-load-child: TYA_BENCH_RAW_PLAN and TYA_BENCH_CONNECTION are required.\n');
  process.exit(2);
}
const run = await extractRaw(connectionString, plan);
process.stdout.write(`${JSON.stringify(run)}\n`);
