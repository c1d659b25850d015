/**
 * The flags every benchmark takes: `--quick` for a smoke run, `--runs N` (at least 5 for a real
 * run), `--from-source` to start agent processes from the TypeScript source instead of the build.
 */
import { parseArgs } from 'node:util';

export interface BenchArgs {
  quick: boolean;
  runs: number;
  fromSource: boolean;
  /** Flags a benchmark adds itself, as strings. */
  extra: Record<string, string | undefined>;
}

export function benchArgs(extra: Record<string, { default?: string }> = {}, argv = process.argv.slice(2)): BenchArgs {
  const options: Record<string, { type: 'string'; default?: string }> = {};
  for (const [name, option] of Object.entries(extra)) options[name] = { type: 'string', ...option };
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'from-source': { type: 'boolean', default: false },
      runs: { type: 'string' },
      ...options,
    },
    strict: true,
  });
  const runs = values.runs === undefined ? 5 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${String(values.runs)} is not a whole number ≥ 1.`);
  const rest: Record<string, string | undefined> = {};
  const all = values as Record<string, unknown>;
  for (const name of Object.keys(extra)) rest[name] = all[name] as string | undefined;
  return { quick: values.quick === true, runs, fromSource: values['from-source'] === true, extra: rest };
}
