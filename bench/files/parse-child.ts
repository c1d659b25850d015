/**
 * One measured parse in a fresh process, so its peak memory is its own: `ours` is the agent's
 * parseFileStreaming (detection, streaming parser, balance checks from running sums; every entry
 * handed to a callback and dropped, as the folder source pages them out), `full` is parseFile (the
 * whole statements kept in memory, for comparison), `raw` reads the same file with a plain stream and
 * splits it into lines with a regex (what any reader must at least do). The peak RSS comes from the
 * kernel's high-water mark (VmHWM), reset after start-up, so no sample can miss it.
 *   node --expose-gc bench/files/parse-child.ts <file> ours|full|raw camt|csv
 * Prints one JSON line: {ms, cpuMs, bytes, baseRssBytes, peakRssBytes, entries, accepted}.
 */
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { CsvProfileSchema, parseFile, parseFileStreaming } from '../../agents/formats/index.ts';
import { CSV_SAMPLE_PROFILE } from '../../agents/transforms/statements/statement-samples.ts';

const [file, mode, kind] = process.argv.slice(2);
if (file === undefined || (mode !== 'ours' && mode !== 'full' && mode !== 'raw') || (kind !== 'camt' && kind !== 'csv')) {
  throw new Error('usage: parse-child.ts <file> ours|full|raw camt|csv');
}

function status(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

(globalThis as { gc?: () => void }).gc?.();
let resetPeak = true;
try {
  // "5" resets the peak RSS (VmHWM) to the current RSS: proc(5), clear_refs.
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  resetPeak = false;
}
const baseRssBytes = status('VmRSS');
const started = performance.now();
const cpuBefore = process.cpuUsage();
let entries = 0;
let accepted = true;
const options = kind === 'csv' ? { profile: CsvProfileSchema.parse(CSV_SAMPLE_PROFILE) } : {};
if (mode === 'ours') {
  // Touch each entry's key as a consumer would, so nothing is optimised away.
  let keyChars = 0;
  const report = await parseFileStreaming(file, { ...options, onEntry: (entry) => (keyChars += entry.entryKey.length) });
  entries = report.entries;
  accepted = report.accepted && keyChars > 0;
  if (!accepted) process.stderr.write(`${JSON.stringify(report.error ?? report.checks)}\n`);
} else if (mode === 'full') {
  const report = await parseFile(file, options);
  entries = report.statements.reduce((n, s) => n + s.entries.length, 0);
  accepted = report.accepted;
  if (!accepted) process.stderr.write(`${JSON.stringify(report.error ?? report.checks)}\n`);
} else {
  let rest = '';
  const lineEnd = /\r?\n/;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
    const lines = (rest + (chunk as string)).split(lineEnd);
    rest = lines.pop() ?? '';
    entries += lines.length;
  }
  if (rest !== '') entries += 1;
}
const ms = performance.now() - started;
// CPU time of the whole process (the GC's and the compiler's threads too): on a shared machine the
// wall time depends on the other jobs, this much less.
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
const peakRssBytes = status('VmHWM');
process.stdout.write(`${JSON.stringify({ ms, cpuMs, bytes: statSync(file).size, baseRssBytes, peakRssBytes, resetPeak, entries, accepted })}\n`);
