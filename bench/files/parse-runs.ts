/** Runs parse-child.ts in fresh processes, ours and raw interleaved run by run (a noisy moment hits both). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHILD = path.join(import.meta.dirname, 'parse-child.ts');

export interface ParseSample {
  ms: number;
  /** CPU time of the parsing process over the same span (all its threads). */
  cpuMs: number;
  bytes: number;
  baseRssBytes: number;
  peakRssBytes: number;
  resetPeak: boolean;
  entries: number;
  accepted: boolean;
}

export async function parseOnce(file: string, mode: 'ours' | 'raw', kind: 'camt' | 'csv'): Promise<ParseSample> {
  const { stdout } = await run(process.execPath, ['--expose-gc', CHILD, file, mode, kind], { maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60 * 1000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ParseSample;
}

export async function parseRuns(file: string, kind: 'camt' | 'csv', runs: number, log: (line: string) => void): Promise<{ ours: ParseSample[]; raw: ParseSample[] }> {
  const ours: ParseSample[] = [];
  const raw: ParseSample[] = [];
  for (let i = 0; i < runs; i += 1) {
    const order: Array<'ours' | 'raw'> = i % 2 === 0 ? ['ours', 'raw'] : ['raw', 'ours'];
    for (const mode of order) {
      const sample = await parseOnce(file, mode, kind);
      (mode === 'ours' ? ours : raw).push(sample);
      log(`${kind} run ${i + 1}/${runs} ${mode}: ${(sample.bytes / 1e6 / (sample.ms / 1000)).toFixed(1)} MB/s (${(sample.bytes / 1e6 / (sample.cpuMs / 1000)).toFixed(1)} per CPU second), peak RSS +${((sample.peakRssBytes - sample.baseRssBytes) / 2 ** 20).toFixed(0)} MiB`);
    }
  }
  return { ours, raw };
}
