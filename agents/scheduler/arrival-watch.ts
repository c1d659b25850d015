/**
 * Expected arrivals (issue 16 item 10): "a shift close is expected by 02:00", "a bank statement
 * every business day by 09:00". At each deadline, something must have arrived on the stream since
 * the deadline before it; if not, a condition alert says so in words ("No shift close from tills
 * since Fri 22:41 Europe/Berlin; one was expected by Sat 02:00.") until one arrives. It shows in
 * `status`, the heartbeat, the tray and the dashboard like every alert. Arrival times are kept in
 * the outbox's state table, so a restart neither forgets an arrival nor misses a deadline.
 */
import { parseCron, type CronExpression } from '../api/cron-expression.ts';
import type { ArrivalExpectation } from '../api/schedule.ts';
import { latestRun } from './next-run.ts';

export interface ArrivalAlertSink {
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
  clearAlert(code: string): void;
}

export interface ArrivalStateStore {
  getState(key: string): string | undefined;
  setState(key: string, value: string): void;
}

interface Watched {
  source: string;
  stream: string;
  what: string;
  zone: string;
  cron: CronExpression;
  alertCode: string;
}

export const ARRIVAL_CHECK_MS = 30_000;

export class ArrivalWatch {
  readonly #watched: Watched[] = [];
  readonly #state: ArrivalStateStore;
  readonly #alerts: ArrivalAlertSink;

  constructor(state: ArrivalStateStore, alerts: ArrivalAlertSink) {
    this.#state = state;
    this.#alerts = alerts;
  }

  /** Replaces a source's expectations (at start and when the config changes). */
  setExpectations(
    source: string,
    expectations: readonly ArrivalExpectation[],
    defaultZone: string,
    nowMs: number,
  ): void {
    for (const old of this.#watched.filter((w) => w.source === source)) this.#alerts.clearAlert(old.alertCode);
    this.#watched.splice(0, this.#watched.length, ...this.#watched.filter((w) => w.source !== source));
    for (const expectation of expectations) {
      const watched: Watched = {
        source,
        stream: expectation.stream,
        what: expectation.what ?? `records on ${expectation.stream}`,
        zone: expectation.timeZone ?? defaultZone,
        cron: parseCron(expectation.by),
        alertCode: `arrival_missing:${source}:${expectation.stream}`,
      };
      this.#watched.push(watched);
      // The watch starts now: a deadline before the first start cannot have been missed.
      if (this.#state.getState(this.#sinceKey(watched)) === undefined) {
        this.#state.setState(this.#sinceKey(watched), String(nowMs));
      }
    }
  }

  /** Records of `stream` were committed: an arrival for whatever watches that stream. */
  arrived(source: string, stream: string, nowMs: number): void {
    for (const watched of this.#watched) {
      if (watched.source !== source || watched.stream !== stream) continue;
      this.#state.setState(this.#arrivalKey(watched), String(nowMs));
      this.#alerts.clearAlert(watched.alertCode);
    }
  }

  /** Raises or clears each expectation's alert for the instant `nowMs`. */
  check(nowMs: number): void {
    for (const watched of this.#watched) {
      const verdict = this.#verdict(watched, nowMs);
      if (verdict === null) this.#alerts.clearAlert(watched.alertCode);
      else this.#alerts.raiseAlert({ code: watched.alertCode, severity: 'warning', message: verdict });
    }
  }

  /** null when on time; else the sentence for the alert. */
  #verdict(watched: Watched, nowMs: number): string | null {
    const deadline = latestRun(watched.cron, watched.zone, nowMs);
    if (deadline === null) return null;
    const previous = previousDeadline(watched.cron, watched.zone, deadline);
    const since = Number(this.#state.getState(this.#sinceKey(watched)) ?? nowMs);
    const lastArrival = this.#state.getState(this.#arrivalKey(watched));
    const arrivedAt = lastArrival === undefined ? null : Number(lastArrival);
    // Watching began after the deadline before this one: only this deadline can have been missed.
    const windowStart = Math.max(previous ?? since, since);
    if (deadline <= since) return null;
    if (arrivedAt !== null && arrivedAt > windowStart) return null;
    const expected = `one was expected by ${formatInZone(deadline, watched.zone)}`;
    return arrivedAt === null
      ? `No ${watched.what} from ${watched.source} has arrived since the agent began watching at ${formatInZone(since, watched.zone)}; ${expected}.`
      : `No ${watched.what} from ${watched.source} since ${formatInZone(arrivedAt, watched.zone)}; ${expected}.`;
  }

  #arrivalKey(watched: Watched): string {
    return `arrival.last:${watched.source}/${watched.stream}`;
  }

  #sinceKey(watched: Watched): string {
    return `arrival.since:${watched.source}/${watched.stream}`;
  }
}

function previousDeadline(cron: CronExpression, zone: string, deadline: number): number | null {
  return latestRun(cron, zone, deadline - 1);
}

function formatInZone(instantMs: number, zone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(instantMs));
  return `${text} ${zone}`;
}
