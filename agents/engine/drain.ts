/**
 * The one-shot `tya-agent sync` loop: read every source until it is caught up and deliver until
 * the queue is empty. It ends early, within a few seconds, when nothing can progress (blockers.ts):
 * delivery blocked (not enrolled, revoked, halted), or every source still to read is paused or
 * failing while the queue is empty. The queue is kept in every case.
 */
import type { AgentStatus } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { captureBlocker, deliveryBlocker, type Blocker } from './blockers.ts';

export type DrainResult = { outcome: 'done' } | { outcome: 'timeout' } | { outcome: 'blocked'; blocker: Blocker };

export interface DrainOptions {
  timeoutMs: number;
  onProgress?: (progress: { waiting: number; delivered: number }) => void;
}

/** What drain needs of the Agent. */
export interface Drainable {
  status(): AgentStatus;
  syncNow(): Promise<void>;
  captureProgress(): Array<{ name: string; caughtUp: boolean }>;
}

/** How long every remaining source must stay paused or failing before drain gives up (well under 5 s). */
const SOURCES_STUCK_MS = 2_500;
const POLL_MS = 100;

export async function drainAgent(agent: Drainable, clock: Clock, options: DrainOptions): Promise<DrainResult> {
  const deadline = clock.now() + options.timeoutMs;
  const deliveredAtStart = agent.status().queue.delivered;
  let stuckSince: number | null = null;
  await agent.syncNow();
  for (;;) {
    const status = agent.status();
    const { queue } = status;
    options.onProgress?.({ waiting: queue.depth, delivered: queue.delivered - deliveredAtStart });
    const delivery = deliveryBlocker(status);
    if (delivery !== null) return { outcome: 'blocked', blocker: delivery };
    const loops = agent.captureProgress();
    if (loops.every((loop) => loop.caughtUp) && queue.depth === 0) return { outcome: 'done' };
    const stateOf = (name: string) => status.sources.find((s) => s.name === name)?.state;
    const settled = loops.every(
      (loop) => loop.caughtUp || stateOf(loop.name) === 'error' || stateOf(loop.name) === 'paused',
    );
    const capture = queue.depth === 0 ? captureBlocker(status.sources, settled) : null;
    const now = clock.now();
    // A failing source retries with backoff: give it a moment to recover before calling it stuck.
    stuckSince = capture === null ? null : (stuckSince ?? now);
    if (capture !== null && now - stuckSince! >= SOURCES_STUCK_MS) return { outcome: 'blocked', blocker: capture };
    if (now >= deadline) return { outcome: 'timeout' };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
