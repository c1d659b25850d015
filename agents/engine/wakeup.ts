/** A wait that ends early when someone calls `wake()` (sync-now, new data, stop). */
export class Wakeup {
  private waiters: Array<() => void> = [];
  private pending = false;

  wake(): void {
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Resolves after `ms`, on `wake()`, or at once if a wake came while nobody waited. Never rejects.
   * The answer: true when woken (or aborted), false when the time ran out.
   */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const end = (woken: boolean) => () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== onWake);
        resolve(woken);
      };
      const onWake = end(true);
      const onAbort = end(true);
      const timer = setTimeout(end(false), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(onWake);
    });
  }
}
