/**
 * A clock for the mapping thread that advances only while the thread runs: its own CPU time, in ms.
 *
 * A record's time limit (50 ms by default) is a budget for the mapping's work. Measured in wall time it
 * also counted the time the operating system gave the thread's core to other processes: on a loaded
 * two-core machine (CI with builds beside it) a fine record took 400 ms of wall time and was stopped as
 * a runaway. CPU time is what a runaway loop burns and what a descheduled thread does not.
 *
 * Reading the thread's CPU time is a system call (~1.6 µs, `process.threadCpuUsage`), and JSONata asks
 * for the time at every evaluation step. So the clock reads it at most once per `resyncMs` of wall time
 * and adds the wall time since in between: it can run ahead of the CPU time by at most `resyncMs`, and
 * can step back by as much at the next reading (a caller compares differences against a limit, so that
 * is an error of at most `resyncMs` either way, never a drift).
 */
import { ownThreadCpuMs } from './thread-cpu.ts';

export interface RunClock {
  /** Milliseconds of this thread's CPU time since the clock was made (to within `resyncMs`). */
  readonly now: () => number;
}

export function createRunClock(resyncMs = 1, readCpuMs: () => number = ownThreadCpuMs, wallMs: () => number = () => performance.now()): RunClock {
  const cpuOrigin = readCpuMs();
  let cpuAtSync = 0;
  let wallAtSync = wallMs();
  return {
    now: (): number => {
      const wall = wallMs();
      if (wall - wallAtSync < resyncMs) return cpuAtSync + (wall - wallAtSync);
      cpuAtSync = readCpuMs() - cpuOrigin;
      wallAtSync = wall;
      return cpuAtSync;
    },
  };
}
