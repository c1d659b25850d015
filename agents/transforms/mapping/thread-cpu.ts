/**
 * One thread's CPU time, read from another thread: the mapping pool's hard time limit asks whether a
 * record that has run for a second of wall time really ran, or waited for a core on a loaded machine
 * (mapping-pool.ts). Linux only (`/proc`); elsewhere the answers are `undefined` and the limit stays
 * wall time.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's kernel id, from `/proc/thread-self` ("<pid>/task/<tid>"). */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** The calling thread's CPU time (user + system) in ms, as precise as the kernel counts it. */
export function ownThreadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

// Linux reports /proc times in USER_HZ ticks, 100 a second on every architecture it supports (a fixed ABI).
const MS_PER_TICK = 10;

/** A thread of this process: its CPU time (user + system) in ms, to 10 ms; `undefined` when it has gone or there is no /proc. */
export function threadCpuMs(tid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    // The thread's name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}
