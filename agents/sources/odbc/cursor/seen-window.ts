/**
 * The rows a cursor stream has already handed over that its next round will read again: those at
 * the last cursor value (rows sharing the newest cursor value are re-read, so one inserted later
 * with a smaller key is not lost) and, with a lookback, those in the last `lookbackSecs` (so a
 * transaction that commits late with an older timestamp is not lost). A re-read row whose content
 * digest is here is not sent again; one whose content changed is.
 *
 * Bounded: entries older than the window are pruned after every page, and at most MAX are kept
 * (beyond that the oldest are forgotten, which costs a harmless re-send, never a loss).
 */
import { hash } from 'node:crypto';
import type { JsonValue } from '../../../api/index.ts';

interface Entry {
  cursor: string;
  /** The cursor as epoch ms when it is a timestamp, for pruning by age. */
  ms: number | null;
}

export class SeenWindow {
  static readonly MAX = 10_000;
  readonly #entries: Map<string, Entry>;

  constructor(entries: Map<string, Entry> = new Map()) {
    this.#entries = entries;
  }

  /** From a checkpoint's `seen` list (`[[digest, cursorText], …]`); anything else is an empty window. */
  static fromJson(value: JsonValue | undefined, millis: (cursor: string) => number | null): SeenWindow {
    const entries = new Map<string, Entry>();
    if (Array.isArray(value)) {
      for (const entry of value) {
        if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string') {
          entries.set(entry[0], { cursor: entry[1], ms: millis(entry[1]) });
        }
      }
    }
    return new SeenWindow(entries);
  }

  get size(): number {
    return this.#entries.size;
  }

  clone(): SeenWindow {
    return new SeenWindow(new Map(this.#entries));
  }

  has(digest: string): boolean {
    return this.#entries.has(digest);
  }

  add(digest: string, cursor: string, ms: number | null): void {
    this.#entries.delete(digest);
    this.#entries.set(digest, { cursor, ms });
    if (this.#entries.size > SeenWindow.MAX) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /**
   * Keeps what the next round's window can contain: rows at the newest cursor value, and with a
   * lookback the rows at most that much (plus a second for rounding) older than the newest.
   */
  prune(newest: string, newestMs: number | null, lookbackSecs: number): void {
    const keeps = windowTest(newest, newestMs, lookbackSecs);
    for (const [digest, entry] of this.#entries) {
      if (!keeps(entry.cursor, entry.ms)) this.#entries.delete(digest);
    }
  }

  /**
   * The cursor texts of the rows held. A row's digest covers its cursor text, so a row whose cursor
   * is not among these cannot be held: its digest need not be computed to know.
   */
  cursorTexts(): Set<string> {
    const texts = new Set<string>();
    for (const entry of this.#entries.values()) texts.add(entry.cursor);
    return texts;
  }

  toJson(): JsonValue {
    return [...this.#entries].map(([digest, entry]) => [digest, entry.cursor]);
  }
}

/**
 * Whether `prune(newest, newestMs, lookbackSecs)` keeps a row at `cursor` (`ms` its epoch ms, null
 * when not a timestamp): so a page can leave out of the window the rows pruning would drop anyway.
 */
export function windowTest(
  newest: string,
  newestMs: number | null,
  lookbackSecs: number,
): (cursor: string, ms: number | null) => boolean {
  // Without a lookback the window starts exactly at the newest value: equal texts are enough.
  const oldestMs = newestMs === null || lookbackSecs === 0 ? null : newestMs - (lookbackSecs + 1) * 1000;
  return (cursor, ms) => cursor === newest || (oldestMs !== null && ms !== null && ms >= oldestMs);
}

/** A short digest of a row's texts: 72 bits, plenty to tell a row's versions apart. */
export function rowDigest(texts: readonly (string | null)[]): string {
  return hash('sha256', JSON.stringify(texts), 'base64url').slice(0, 12);
}
