/**
 * Virtual time for the clock-driven scenarios: a 30-minute outage or a week offline runs in seconds
 * while the outbox, the HTTP requests and the sandbox stay real. Time only moves when the code under
 * test is idle (every sleeper is waiting and no request is on the wire): then it jumps to the
 * earliest timer. So a wait measured in virtual time is exactly what the code asked for.
 */
import type { Clock } from '../../../agents/pipeline/clock.ts';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers: Timer[] = [];
  #driver: Promise<void> | undefined;
  #stopDriver = false;

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#remove(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Sleepers waiting for time to pass. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Jumps to the earliest timer and fires every timer due by then; false when nobody waits. */
  fireNext(): boolean {
    if (this.#timers.length === 0) return false;
    this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.#now = Math.max(this.#now, this.#timers[0]!.at);
    while (this.#timers.length > 0 && this.#timers[0]!.at <= this.#now) this.#timers.shift()!.fire();
    return true;
  }

  /** Moves time forward by `ms` at once (a machine that was switched off), firing what fell due. */
  jump(ms: number): void {
    this.#now += ms;
    this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    while (this.#timers.length > 0 && this.#timers[0]!.at <= this.#now) this.#timers.shift()!.fire();
  }

  /**
   * Lets time run by itself: whenever `busy()` is false for a few turns of the event loop, the
   * earliest timer fires. `busy` should be true while real I/O (a request) is outstanding.
   */
  autoAdvance(busy: () => boolean): void {
    if (this.#driver !== undefined) return;
    this.#stopDriver = false;
    this.#driver = (async () => {
      let quietTurns = 0;
      while (!this.#stopDriver) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (busy() || this.#timers.length === 0) {
          quietTurns = 0;
          // Real I/O is running: give it real time instead of spinning.
          await new Promise<void>((resolve) => setTimeout(resolve, 1));
          continue;
        }
        quietTurns += 1;
        if (quietTurns >= 1) {
          quietTurns = 0;
          this.fireNext();
        }
      }
    })();
  }

  async stopAutoAdvance(): Promise<void> {
    this.#stopDriver = true;
    await this.#driver;
    this.#driver = undefined;
  }

  #remove(timer: Timer): void {
    const index = this.#timers.indexOf(timer);
    if (index >= 0) this.#timers.splice(index, 1);
  }
}
