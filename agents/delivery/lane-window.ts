/**
 * The batches one delivery lane has in flight (docs/architecture.md § Delivery pipelining). While
 * the cloud answers, the lane leases, builds and gzips the next batch and sends it too, up to
 * `depth` at a time: the local work per batch (lease, JSON + gzip, completion write) then overlaps
 * the round trip instead of adding to it. The cloud orders a key's changes by `seq`, so batches of
 * one stream may arrive in any order (cloud-api.md § Batches).
 *
 * After a failure (retry, halt) the window closes to one batch: nothing new goes out until what is in
 * flight has come back, and then one batch at a time until the cloud delivers again, so backoff
 * pauses the pipeline instead of 4 requests hitting an unwell cloud per round.
 */
export class LaneWindow {
  readonly #depth: number;
  #width: number;
  /** By batch id: each delivery's promise (it settles the batch in the outbox itself). */
  readonly #deliveries = new Map<string, Promise<void>>();
  readonly #requests = new Set<AbortController>();
  /** A delivery that could not write its outcome (an outbox error): the lane's loop rethrows it. */
  #failure: { error: unknown } | undefined;

  constructor(depth: number) {
    this.#depth = Math.max(1, Math.trunc(depth));
    this.#width = this.#depth;
  }

  get size(): number {
    return this.#deliveries.size;
  }

  /** No room for another batch now. */
  get full(): boolean {
    return this.#deliveries.size >= this.#width;
  }

  has(batchId: string): boolean {
    return this.#deliveries.has(batchId);
  }

  /** Tracks a delivery until it settles; its failure is kept for `throwIfFailed`. */
  add(batchId: string, delivery: Promise<void>): void {
    const tracked = delivery
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => this.#deliveries.delete(batchId));
    this.#deliveries.set(batchId, tracked);
  }

  /** An AbortController for one request, aborted by abortAll() until released. */
  request(): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    this.#requests.add(controller);
    return { signal: controller.signal, release: () => this.#requests.delete(controller) };
  }

  abortAll(reason: Error): void {
    for (const controller of this.#requests) controller.abort(reason);
  }

  /** The cloud failed or halted: one batch at a time until it delivers again. */
  narrow(): void {
    this.#width = 1;
  }

  /** The cloud answered a batch: the full depth again. */
  widen(): void {
    this.#width = this.#depth;
  }

  /** Rethrows (once) the outbox error a delivery hit while writing its outcome. */
  throwIfFailed(): void {
    const failure = this.#failure;
    if (failure === undefined) return;
    this.#failure = undefined;
    throw failure.error;
  }

  /** Resolves when one delivery in flight settles (at once when none is), or when `signal` aborts. */
  async oneSettled(signal?: AbortSignal): Promise<void> {
    if (this.#deliveries.size === 0 || signal?.aborted === true) return;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([...this.#deliveries.values(), aborted]);
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Resolves when every delivery in flight has settled. */
  async drain(): Promise<void> {
    while (this.#deliveries.size > 0) await Promise.allSettled([...this.#deliveries.values()]);
  }
}
