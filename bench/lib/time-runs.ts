/** Wall-clock timing of one or several runs, in milliseconds (performance.now, monotonic). */
export async function timeOnce(fn: () => unknown): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Runs `fn` `warmup` times untimed, then `runs` times timed; returns each timed run's milliseconds.
 * Benchmarks that compare two sides interleave them run by run (ours, baseline, ours, …) with
 * timeOnce instead, so a noisy moment on a shared machine hits both sides alike.
 */
export async function timeRuns(
  runs: number,
  fn: (run: number) => unknown,
  options: { warmup?: number } = {},
): Promise<number[]> {
  for (let i = 0; i < (options.warmup ?? 0); i += 1) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await timeOnce(() => fn(i)));
  return samples;
}
