/**
 * Resident memory and CPU time of a process, read from /proc (Linux): RSS from /proc/<pid>/status
 * (VmRSS) every `intervalMs`, CPU as utime + stime from /proc/<pid>/stat at the start and the end of
 * the window, so the CPU figure is exact over the window rather than a sum of rounded samples.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RssSample {
  /** Milliseconds since the window started. */
  atMs: number;
  rssBytes: number;
}

export interface ProcessSampling {
  samples: RssSample[];
  /** Wall time of the window, seconds. */
  wallSecs: number;
  /** utime + stime spent inside the window, seconds. */
  cpuSecs: number;
  /** cpuSecs / wallSecs × 100: percent of one core. */
  cpuPercentOfCore: number;
  /** CPU percent of one core in each of `slices` equal parts of the window (for a median). */
  cpuPercentBySlice: number[];
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error(`/proc/${pid}/status has no VmRSS line (a zombie process?)`);
  return Number(match[1]) * 1024;
}

/** utime + stime of `pid` in seconds. */
export function readCpuSecs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: split after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export async function sampleRss(
  pid: number,
  options: { durationMs: number; intervalMs?: number; slices?: number },
): Promise<ProcessSampling> {
  const interval = options.intervalMs ?? 1000;
  const slices = Math.max(1, options.slices ?? 5);
  const started = performance.now();
  const cpuAtSlice: number[] = [readCpuSecs(pid)];
  const sliceMs = options.durationMs / slices;
  const samples: RssSample[] = [];
  for (;;) {
    const at = performance.now() - started;
    samples.push({ atMs: Math.round(at), rssBytes: readRssBytes(pid) });
    while (cpuAtSlice.length <= slices && at >= sliceMs * cpuAtSlice.length) cpuAtSlice.push(readCpuSecs(pid));
    if (at >= options.durationMs) break;
    await sleep(Math.min(interval, options.durationMs - at + 1));
  }
  while (cpuAtSlice.length <= slices) cpuAtSlice.push(readCpuSecs(pid));
  const wallSecs = (performance.now() - started) / 1000;
  const cpuSecs = cpuAtSlice[slices]! - cpuAtSlice[0]!;
  const cpuPercentBySlice = cpuAtSlice.slice(1).map((cpu, i) => ((cpu - cpuAtSlice[i]!) / (sliceMs / 1000)) * 100);
  return { samples, wallSecs, cpuSecs, cpuPercentOfCore: (cpuSecs / wallSecs) * 100, cpuPercentBySlice };
}
