/**
 * What to do about runs that fell into a downtime, decided from the last slot that ran and the
 * clock: `run-once` runs one catch-up now however many were missed (a nightly snapshot missed
 * three times needs one run, not three), `skip` waits for the next slot. The count is kept so
 * `status` can say "3 nightly runs were missed while the agent was stopped".
 */
import type { CronExpression } from '../api/cron-expression.ts';
import { nextRun, runsBetween } from './next-run.ts';

export type MissedRunPolicy = 'run-once' | 'skip';

export interface ScheduleDecision {
  /** Run now to make up for missed slots. */
  readonly runNow: boolean;
  /** Slots that passed while nothing ran (capped at `MISSED_COUNT_CAP`). */
  readonly missed: number;
  /** The newest missed slot, which a catch-up run stands for. */
  readonly latestMissedAt: number | null;
  readonly nextAt: number | null;
}

export const MISSED_COUNT_CAP = 1000;

export function decideMissedRuns(input: {
  cron: CronExpression;
  zone: string;
  policy: MissedRunPolicy;
  /** The slot that last ran, or null for a schedule that never ran (nothing can have been missed). */
  lastSlotAt: number | null;
  nowMs: number;
}): ScheduleDecision {
  const nextAt = nextRun(input.cron, input.zone, input.nowMs);
  if (input.lastSlotAt === null) return { runNow: false, missed: 0, latestMissedAt: null, nextAt };
  const missedSlots = runsBetween(input.cron, input.zone, input.lastSlotAt, input.nowMs, MISSED_COUNT_CAP);
  const latestMissedAt = missedSlots.at(-1) ?? null;
  return {
    runNow: input.policy === 'run-once' && missedSlots.length > 0,
    missed: missedSlots.length,
    latestMissedAt,
    nextAt,
  };
}
