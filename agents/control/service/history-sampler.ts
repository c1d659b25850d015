/**
 * The Overview's 24-hour charts: one point per minute with the records delivered in that minute and
 * the queue depth at its end. The samples are kept in the outbox, so a restart does not blank them;
 * a minute's deliveries are the difference of the outbox's running total between two samples.
 */
import type { HistoryPoint } from '../../api/index.ts';
import type { HistorySample } from '../../outbox/index.ts';

export const SAMPLE_MS = 60_000;
const WINDOW_MS = 24 * 3600_000;

/** Where samples are kept: the outbox. */
export interface HistoryKeeper {
  addHistorySample(sample: HistorySample): void;
  historySamples(sinceMs: number): HistorySample[];
}

export class HistorySampler {
  readonly #store: HistoryKeeper;

  constructor(store: HistoryKeeper) {
    this.#store = store;
  }

  /** Records one sample: `delivered` is the outbox's running total. */
  sample(atMs: number, delivered: number, depth: number): void {
    this.#store.addHistorySample({ atMs, delivered, depth });
  }

  /** The last 24 hours' points plus a live one for the current, unfinished minute. */
  points(nowMs: number, delivered: number, depth: number): HistoryPoint[] {
    // One sample before the window, so its first minute has a total to subtract from.
    const samples = this.#store.historySamples(nowMs - WINDOW_MS - SAMPLE_MS);
    const points: HistoryPoint[] = [];
    samples.forEach((s, i) => {
      if (i === 0 && s.atMs < nowMs - WINDOW_MS) return;
      const before = i === 0 ? null : samples[i - 1]!;
      points.push({ at: new Date(s.atMs).toISOString(), delivered: before === null ? 0 : Math.max(0, s.delivered - before.delivered), depth: s.depth });
    });
    const last = samples.at(-1);
    points.push({ at: new Date(nowMs).toISOString(), delivered: last === undefined ? 0 : Math.max(0, delivered - last.delivered), depth });
    return points;
  }
}
