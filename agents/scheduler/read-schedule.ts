/**
 * A source's schedule at run time: whether a read is due now, how long to wait, what to do about
 * runs missed while the agent was down, and what `status` says about it. Every decision goes
 * through the pure functions next to it; this class only remembers the last slot that ran (in the
 * outbox's state table, so a restart knows what it missed) and reads the clock it is given.
 */
import { parseCron, type CronExpression } from '../api/cron-expression.ts';
import type { SourceScheduleConfig, SourceScheduleStatus } from '../api/schedule.ts';
import { parseTimeWindow, type TimeWindow } from '../api/time-window-syntax.ts';
import { decideMissedRuns, type MissedRunPolicy } from './missed-runs.ts';
import { latestRun, nextRun } from './next-run.ts';
import { nextWindowChange, readsAllowedAt, type WindowMode } from './time-window.ts';

export interface ScheduleStateStore {
  getState(key: string): string | undefined;
  setState(key: string, value: string): void;
}

/** Waits are cut into pieces this long so a clock that jumps (NTP, a resumed VM) is noticed. */
export const SCHEDULE_RECHECK_MS = 60_000;

export class ReadSchedule {
  readonly timeZone: string;
  readonly #cron: CronExpression | null;
  readonly #mode: WindowMode;
  readonly #windows: readonly TimeWindow[];
  readonly #policy: MissedRunPolicy;
  readonly #state: ScheduleStateStore;
  readonly #stateKey: string;
  #lastSlotAt: number | null;
  /** The slot the running read stands for; it counts as done once the read has caught up. */
  #currentSlotAt: number | null = null;
  #missed = 0;

  constructor(options: {
    source: string;
    config: SourceScheduleConfig;
    defaultTimeZone: string;
    state: ScheduleStateStore;
  }) {
    const { config } = options;
    this.timeZone = config.timeZone ?? options.defaultTimeZone;
    this.#cron = config.readAt === undefined ? null : parseCron(config.readAt);
    this.#mode = config.onlyDuring !== undefined ? 'only-during' : 'pause-during';
    this.#windows = (config.onlyDuring ?? config.pauseDuring ?? []).map(parseTimeWindow);
    this.#policy = config.missedRuns;
    this.#state = options.state;
    this.#stateKey = `schedule.lastSlot:${options.source}`;
    const saved = this.#state.getState(this.#stateKey);
    this.#lastSlotAt = saved === undefined ? null : Number(saved);
  }

  /**
   * At start: a schedule that never ran begins with the next slot; one that missed slots while the
   * agent was down reads once now (`run-once`) or waits for the next slot (`skip`).
   */
  start(nowMs: number): void {
    if (this.#cron === null) return;
    if (this.#lastSlotAt === null) {
      this.#remember(nowMs);
      return;
    }
    const decision = decideMissedRuns({
      cron: this.#cron,
      zone: this.timeZone,
      policy: this.#policy,
      lastSlotAt: this.#lastSlotAt,
      nowMs,
    });
    this.#missed = decision.missed;
    if (!decision.runNow && decision.latestMissedAt !== null) this.#remember(decision.latestMissedAt);
  }

  readsAllowed(nowMs: number): boolean {
    return readsAllowedAt(this.#mode, this.#windows, this.timeZone, nowMs);
  }

  /** True when a read should start (or go on) now; marks the slot it stands for. */
  isDue(nowMs: number): boolean {
    if (this.#cron === null || this.#currentSlotAt !== null) return true;
    const first = nextRun(this.#cron, this.timeZone, this.#lastSlotAt ?? nowMs);
    if (first === null || first > nowMs) return false;
    this.#currentSlotAt = latestRun(this.#cron, this.timeZone, nowMs, first - 1) ?? first;
    return true;
  }

  /** The read caught up: its slot is done. */
  readDone(nowMs: number): void {
    if (this.#cron === null) return;
    this.#remember(this.#currentSlotAt ?? nowMs);
    this.#currentSlotAt = null;
  }

  /** How long to wait before asking `isDue`/`readsAllowed` again (never longer than a minute). */
  waitMs(nowMs: number, intervalMs: number): number {
    let until = nowMs + (this.#cron === null ? intervalMs : SCHEDULE_RECHECK_MS);
    const next = this.#cron === null ? null : nextRun(this.#cron, this.timeZone, this.#lastSlotAt ?? nowMs);
    if (next !== null) until = Math.min(until, Math.max(next, nowMs));
    const change = nextWindowChange(this.#mode, this.#windows, this.timeZone, nowMs);
    if (change !== null) until = Math.min(until, change);
    return Math.max(0, Math.min(until - nowMs, SCHEDULE_RECHECK_MS));
  }

  status(nowMs: number): SourceScheduleStatus {
    const next =
      this.#cron === null ? null : nextRun(this.#cron, this.timeZone, Math.max(this.#lastSlotAt ?? nowMs, nowMs));
    const change = nextWindowChange(this.#mode, this.#windows, this.timeZone, nowMs);
    return {
      timeZone: this.timeZone,
      readAt: this.#cron?.source ?? null,
      nextReadAt: next === null ? null : new Date(next).toISOString(),
      readsAllowed: this.readsAllowed(nowMs),
      windowChangeAt: change === null ? null : new Date(change).toISOString(),
      missedRuns: this.#missed,
      missedRunPolicy: this.#policy,
    };
  }

  #remember(slotAt: number): void {
    this.#lastSlotAt = slotAt;
    this.#state.setState(this.#stateKey, String(slotAt));
  }
}
