/**
 * V8 settings for the long-running agent (`tya-agent run`), which must stay under 200 MiB of
 * resident memory, its file-reading worker included (issue 10): by default V8 lets the young
 * generation grow to 3 × 16 MiB and the old one grow far ahead of what is live, because memory is
 * assumed plentiful. Measured on a 10 MB statement import: the main heap went from 64 to 198 MiB
 * (about 100 MiB live) and the process peaked at 378 MiB; with these settings the heaps stay
 * near 45 and 20 MiB and the process peaks at about 200 MiB. The flags are process-wide, so the
 * worker threads get them too.
 *
 * Set at run time, before the program loads, because the agent is started by whatever the admin
 * uses (systemd, a Windows service, the tray app), not always with our command line. V8 reads the
 * flags each time it sizes the heap or ages code, so setting them after start-up still takes effect.
 * `setFlagsFromString` ignores a flag V8 does not know: lean-heap.test.ts checks that each exists.
 */
import { setFlagsFromString } from 'node:v8';

export const LEAN_HEAP_FLAGS = [
  // Collect and size the heap for footprint rather than for peak allocation speed.
  '--optimize-for-size',
  // Keep the young generation at its initial size instead of doubling it under load: parsing and
  // record building make short-lived garbage fast, and a bigger nursery only holds more of it.
  '--semi-space-growth-factor=1',
  // Drop the bytecode (and baseline code) of functions that did not run since the previous full
  // collection instead of after six: what ran once at start (config parsing, schema building,
  // migrations) is freed when the agent goes idle; a function flushed and called again is compiled
  // again lazily (microseconds to a millisecond, once). Idle agent: heap 25 → 22 MiB (bench/footprint).
  '--bytecode-old-age=1',
  '--flush-baseline-code',
] as const;

export function useLeanHeap(): void {
  for (const flag of LEAN_HEAP_FLAGS) setFlagsFromString(flag);
}

/**
 * glibc's allocator settings for the agent, or null when they are set already (an admin's own
 * choice wins) or the system is not Linux. By default glibc gives each thread that allocates its
 * own arena (the main thread, the reading worker, libuv's pool, SQLite) and keeps freed memory in
 * them: measured on a 10 MB statement import, two arenas and an earlier trim took the agent's peak
 * from 197 to 170 MiB at the same speed. glibc reads these only when a process starts, hence the
 * re-exec in main.ts.
 */
export function leanMallocEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): NodeJS.ProcessEnv | null {
  if (platform !== 'linux' || env.MALLOC_ARENA_MAX !== undefined) return null;
  return { ...env, MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: env.MALLOC_TRIM_THRESHOLD_ ?? '131072' };
}
