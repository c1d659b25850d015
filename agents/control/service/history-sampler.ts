/**
 * The Overview's 24-hour charts: one point per minute with the records delivered in that minute and
 * the queue depth at its end. Sampled in memory since the agent started (a restart starts a new line).
 */
import type { HistoryPoint } from '../../api/index.ts';

const POINTS = 24 * 60;
export const SAMPLE_MS = 60_000;

export class HistorySampler {
  readonly #points: HistoryPoint[] = [];
  #lastDelivered: number | null = null;

  /** Records one sample: `delivered` is the outbox's running total. */
  sample(at: string, delivered: number, depth: number): void {
    const delta = this.#lastDelivered === null ? 0 : Math.max(0, delivered - this.#lastDelivered);
    this.#lastDelivered = delivered;
    this.#points.push({ at, delivered: delta, depth });
    if (this.#points.length > POINTS) this.#points.shift();
  }

  /** The points so far plus a live one for the current, unfinished minute. */
  points(now: string, delivered: number, depth: number): HistoryPoint[] {
    const live = { at: now, delivered: this.#lastDelivered === null ? 0 : Math.max(0, delivered - this.#lastDelivered), depth };
    return [...this.#points, live];
  }
}
