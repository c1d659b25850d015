/**
 * Pauses a stream when its quarantine rate jumps (issue 13 item 5): a broken mapping or a bad export
 * must not advance the source over a day of sales with everything quarantined. Two rules, either
 * trips: more than `percent` of the last `window` records quarantined (judged once at least a fifth
 * of the window has been seen, so one bad record of the first few is not a spike), or more than
 * `count` quarantined within `minutes`. In memory: after a restart the page is re-read and judged again.
 */
import type { QuarantineSpike } from '../../api/index.ts';

export class SpikeGuard {
  readonly #spike: QuarantineSpike;
  /** The last `window` outcomes, true = quarantined. */
  readonly #outcomes: boolean[] = [];
  #quarantinedInWindow = 0;
  /** When each recent quarantined record was seen (ms), for the count rule. */
  readonly #recent: number[] = [];
  /** Records a person let through after a pause: judged again only after this many. */
  #forgiven = 0;

  constructor(spike: QuarantineSpike) {
    this.#spike = spike;
  }

  /**
   * Judges a page before it is committed: a sentence saying why it would be a spike (the page is then
   * not committed), or null (the page's outcomes are then counted).
   */
  judge(total: number, quarantined: number, now: number): string | null {
    const { percent, window, count, minutes } = this.#spike;
    if (this.#forgiven > 0) {
      this.#forgiven = Math.max(0, this.#forgiven - total);
      this.#count(total, quarantined, now);
      return null;
    }
    const since = now - minutes * 60_000;
    const recent = this.#recent.filter((t) => t >= since).length + quarantined;
    if (quarantined > 0 && recent > count) {
      return `${recent} records were quarantined within ${minutes} minutes (more than the ${count} allowed)`;
    }
    const seen = Math.min(window, this.#outcomes.length + total);
    const inWindow = this.#windowQuarantined(total, quarantined);
    if (quarantined > 0 && seen >= Math.ceil(window / 5) && inWindow * 100 > percent * seen) {
      return `${inWindow} of the last ${seen} records were quarantined (${Math.round((inWindow * 100) / seen)}%, more than the ${percent}% allowed)`;
    }
    this.#count(total, quarantined, now);
    return null;
  }

  /** A person resumed the stream after a spike: the next `window` records pass without being judged. */
  forgive(): void {
    this.#forgiven = this.#spike.window;
    this.#outcomes.length = 0;
    this.#quarantinedInWindow = 0;
    this.#recent.length = 0;
  }

  #windowQuarantined(total: number, quarantined: number): number {
    const { window } = this.#spike;
    if (total >= window) return Math.min(quarantined, window);
    // The oldest outcomes this page would push out of the window.
    const drop = Math.max(0, this.#outcomes.length + total - window);
    let dropped = 0;
    for (let i = 0; i < drop; i += 1) if (this.#outcomes[i]) dropped += 1;
    return this.#quarantinedInWindow - dropped + quarantined;
  }

  #count(total: number, quarantined: number, now: number): void {
    for (let i = 0; i < total; i += 1) {
      const bad = i < quarantined;
      this.#outcomes.push(bad);
      if (bad) this.#quarantinedInWindow += 1;
    }
    const excess = this.#outcomes.length - this.#spike.window;
    if (excess > 0) {
      for (const bad of this.#outcomes.splice(0, excess)) if (bad) this.#quarantinedInWindow -= 1;
    }
    for (let i = 0; i < quarantined; i += 1) this.#recent.push(now);
    const since = now - this.#spike.minutes * 60_000;
    while (this.#recent.length > 0 && this.#recent[0]! < since) this.#recent.shift();
  }
}
