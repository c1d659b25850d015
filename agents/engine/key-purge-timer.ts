/**
 * Runs the key-memory purge (agents/outbox/key-memory-purge.ts) in the background: a pass over the
 * table every few hours, in slices of a few thousand keys with the event loop free in between, so
 * capture and delivery never wait behind it for more than one short transaction.
 */
import type { KeyPurgeSlice } from '../outbox/key-memory-purge.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface KeyPurgeTimerDeps {
  purgeSlice: (olderThanMs: number, limit: number) => KeyPurgeSlice;
  /** Days after which an unchanged key is forgotten; 0: never. Read at each pass (config edits apply). */
  afterDays: () => number;
  now: () => number;
  logger: Logger;
  /** Between passes (default 6 h); the first pass starts after `firstDelayMs` (default 10 min). */
  everyMs?: number;
  firstDelayMs?: number;
  sliceKeys?: number;
}

const DAY_MS = 86_400_000;

/** Starts the timer; returns a function that stops it (a slice in progress finishes). */
export function startKeyPurgeTimer(deps: KeyPurgeTimerDeps): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void pass().finally(() => schedule(deps.everyMs ?? 6 * 3_600_000)), ms);
    timer.unref();
  };
  const pass = async (): Promise<void> => {
    const days = deps.afterDays();
    if (days <= 0) return;
    const olderThanMs = deps.now() - days * DAY_MS;
    let scanned = 0;
    let forgotten = 0;
    try {
      for (;;) {
        if (stopped) return;
        const slice = deps.purgeSlice(olderThanMs, deps.sliceKeys ?? 5_000);
        scanned += slice.scanned;
        forgotten += slice.forgotten;
        if (slice.passDone) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (forgotten > 0) {
        deps.logger.info({ scanned, forgotten, afterDays: days }, `Forgot ${forgotten} of ${scanned} remembered keys unchanged for ${days} days or more (outbox.forgetKeysAfterDays).`);
      }
    } catch (error) {
      deps.logger.warn({ err: error, errorType: 'key_purge_failed', stage: 'outbox' }, 'Forgetting old keys failed; the next pass tries again. Nothing queued is affected.');
    }
  };
  schedule(deps.firstDelayMs ?? 600_000);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
