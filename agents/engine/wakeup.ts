/** A wait that ends early when someone calls `wake()` (sync-now, new data, stop). */
export class Wakeup {
  private waiters: Array<() => void> = [];
  private pending = false;
  /** How many wakes so far: a waiter compares it to tell a wake from its own timeout. */
  wakes = 0;

  wake(): void {
    this.wakes += 1;
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves after `ms`, on `wake()`, or at once if a wake came while nobody waited. Never rejects. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}
