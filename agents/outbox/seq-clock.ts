/**
 * The hybrid logical clock that numbers changes (cloud-api.md § Batches):
 * `seq = max(unix ms × 1000, last + 1, floor + 1)`. `last` and `floor` live in the outbox's `meta`
 * table and are written in the same transaction as the records they numbered, so a restart (or a
 * kill -9) never hands out a number twice, and a clock that jumps back does not make seqs fall.
 */
import type { Counters } from './counters.ts';

/** Numbers handed out one by one inside the caller's transaction (see `SeqClock.run`). */
export interface SeqRun {
  /** The number the next change gets. */
  peek(): number;
  /** The peeked number is used. */
  take(): void;
  /** Stores the last number taken; the caller's transaction must still commit. */
  done(): void;
}

/** Seqs must stay exact as JSON numbers. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export class SeqClock {
  readonly #counters: Counters;
  readonly #nowMs: () => number;

  constructor(counters: Counters, nowMs: () => number) {
    this.#counters = counters;
    this.#nowMs = nowMs;
  }

  /** The next seq. The caller owns the transaction that also stores the numbered records. */
  next(): number {
    const last = this.#counters.get('seq_last');
    const floor = this.#counters.get('seq_floor');
    const seq = Math.max(Math.trunc(this.#nowMs()) * 1000, last + 1, floor + 1);
    if (seq > MAX_SEQ) throw new Error(`The change sequence clock reached ${seq}, beyond 2^53`);
    this.#counters.set('seq_last', seq);
    return seq;
  }

  /**
   * For a run of numbers inside one transaction (an enqueue): `last` and `floor` are read once and
   * `seq_last` written once by `done()`, instead of three statements per record. The numbers are those
   * `next()` would give within the same millisecond; `peek()` shows the next without taking it.
   */
  run(): SeqRun {
    let next = Math.max(
      Math.trunc(this.#nowMs()) * 1000,
      this.#counters.get('seq_last') + 1,
      this.#counters.get('seq_floor') + 1,
    );
    let taken = false;
    return {
      peek: () => {
        if (next > MAX_SEQ) throw new Error(`The change sequence clock reached ${next}, beyond 2^53`);
        return next;
      },
      take: () => {
        taken = true;
        next += 1;
      },
      done: () => {
        if (taken) this.#counters.set('seq_last', next - 1);
      },
    };
  }

  /** Hands out `count` consecutive seqs at once; returns the first. */
  reserve(count: number): number {
    const first = this.next();
    if (count > 1) this.#counters.set('seq_last', first + count - 1);
    return first;
  }

  /** The cloud's floor (the highest seq it holds): never number at or below it again. */
  raiseFloor(floor: number): boolean {
    if (!Number.isSafeInteger(floor) || floor <= this.#counters.get('seq_floor')) return false;
    this.#counters.set('seq_floor', floor);
    return true;
  }

  /**
   * After `seq_in_future` (a clock that ran ahead): start again from `max(floor, now)`. Numbers
   * already handed out are not reused by this: the caller renumbers what was not yet sent.
   */
  reset(): void {
    const floor = this.#counters.get('seq_floor');
    this.#counters.set('seq_last', Math.max(floor, Math.trunc(this.#nowMs()) * 1000 - 1));
  }

  get last(): number {
    return this.#counters.get('seq_last');
  }

  get floor(): number {
    return this.#counters.get('seq_floor');
  }
}
