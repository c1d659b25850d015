/**
 * Watches a process's RSS from the moment it starts: records the peak (for the warm-up figure) and
 * kills the process when it passes a ceiling, so a runaway agent cannot take a shared build machine
 * down with it. The benchmark then reports what it saw instead of hanging or swapping.
 */
import { readRssBytes } from '../lib/sample-rss.ts';

export interface RssGuard {
  peakBytes(): number;
  /** Set once the ceiling was passed (the process has been sent SIGKILL). */
  exceeded(): { rssBytes: number; afterMs: number } | null;
  stop(): void;
}

export function guardRss(pid: number, ceilingBytes: number, kill: () => void, intervalMs = 250): RssGuard {
  const started = performance.now();
  let peak = 0;
  let exceeded: { rssBytes: number; afterMs: number } | null = null;
  const timer = setInterval(() => {
    let rss: number;
    try {
      rss = readRssBytes(pid);
    } catch {
      return; // Gone already: nothing to guard.
    }
    peak = Math.max(peak, rss);
    if (rss > ceilingBytes && exceeded === null) {
      exceeded = { rssBytes: rss, afterMs: Math.round(performance.now() - started) };
      kill();
    }
  }, intervalMs);
  return {
    peakBytes: () => peak,
    exceeded: () => exceeded,
    stop: () => clearInterval(timer),
  };
}
