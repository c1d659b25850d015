/**
 * One folder-source import measured alone, for the sizes the full benchmark leaves out (1 GiB takes
 * most of an hour on two shared cores):
 *   node bench/files/one-import.ts camt|csv <MiB> [--from-source]
 * The agent runs as built (tsc output, as installed), like the full benchmark; --from-source runs
 * it under Node's type stripping instead, which costs a few MiB more. Prints the agent's peak (VmHWM), its idle peak, its CPU and the wall time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureFolderImport } from './folder-import.ts';
import { generateCamt, generateCsv } from './generate.ts';

const [kind, size] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const fromSource = process.argv.includes('--from-source');
if ((kind !== 'camt' && kind !== 'csv') || !Number.isFinite(Number(size))) {
  process.stderr.write('usage: node bench/files/one-import.ts camt|csv <MiB> [--from-source]\n');
  process.exit(2);
}
const MiB = 2 ** 20;
const log = (line: string) => process.stdout.write(`${line}\n`);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-one-import-'));
try {
  const file = path.join(dir, kind === 'camt' ? 'statement.xml' : 'statement.csv');
  const generated = kind === 'camt' ? await generateCamt(file, Number(size) * MiB) : await generateCsv(file, Number(size) * MiB);
  log(`agent ${fromSource ? 'from source (type stripping)' : 'as built'}; generated ${path.basename(file)}: ${(generated.bytes / MiB).toFixed(0)} MiB, ${generated.entries} entries; load ${os.loadavg()[0]!.toFixed(1)}`);
  const sample = await measureFolderImport({ dir, file, kind, entries: generated.entries, fromSource, log, timeoutMs: 4 * 60 * 60 * 1000 });
  log(
    `${kind} ${size} MiB: peak ${(sample.peakBytes / MiB).toFixed(0)} MiB, idle peak ${(sample.idlePeakBytes / MiB).toFixed(0)} MiB, ` +
      `agent CPU ${sample.cpuSecs.toFixed(0)} s, wall ${(sample.ms / 1000).toFixed(0)} s; load ${os.loadavg()[0]!.toFixed(1)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
