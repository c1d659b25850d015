/**
 * Watches one source's reads. A read that has not returned after `alertAfterMs` is stuck: a table
 * locked by a database that enforces no time limit, a network share or a database connection that
 * hangs without failing. Without this the source would stay "OK" with an ever older last success,
 * which is how an agent goes quiet without anyone noticing. When the limit passes, the source is shown
 * as failing with what is known, and a critical condition alert goes out through every alert channel;
 * the alert clears as soon as the read returns, whichever way it ends.
 */
import type { Clock } from '../pipeline/clock.ts';
import type { Logger } from '../telemetry/logger.ts';

/** A read running this long is stuck: a page of any source takes seconds. */
export const READ_STALL_ALERT_MS = 10 * 60_000;
export const READ_STALLED_CODE = 'read_stalled';

export interface ReadWatchOptions {
  source: string;
  alertAfterMs: number;
  alerts: {
    raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
    clearAlert(code: string): void;
  };
  status: { sourceFailed(name: string, error: { code: string; message: string }): void };
  clock: Clock;
  logger: Logger;
}

export function readStalledAlertCode(source: string): string {
  return `${READ_STALLED_CODE}:${source}`;
}

/**
 * At start: a stuck-read alert left by a killed agent says nothing about this run (each source's loop
 * clears its own as well, but a source removed from the config meanwhile has no loop to do it).
 */
export function clearStalledAlerts(alerts: { listAlerts(): Array<{ code: string }>; clearAlert(code: string): void }): void {
  for (const { code } of alerts.listAlerts()) if (code.startsWith(`${READ_STALLED_CODE}:`)) alerts.clearAlert(code);
}

export class ReadWatch {
  readonly #o: ReadWatchOptions;
  #raised = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ReadWatchOptions) {
    this.#o = options;
  }

  /** Resolves or rejects as `read` does. */
  async watch<T>(read: Promise<T>): Promise<T> {
    const startedAt = this.#o.clock.now();
    const timer = setTimeout(() => this.#raise(startedAt), this.#o.alertAfterMs);
    timer.unref();
    this.#timer = timer;
    try {
      return await read;
    } finally {
      clearTimeout(timer);
      // Only then: an ordinary read writes nothing (idle CPU).
      if (this.#raised) this.clear();
    }
  }

  /**
   * The loop stopped: a read it left behind says nothing more (a new loop of the same source may be
   * running by the time it returns or its limit passes).
   */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.clear();
  }

  /** Also at start and stop: an alert left by an earlier run says nothing about this one. */
  clear(): void {
    this.#raised = false;
    this.#o.alerts.clearAlert(readStalledAlertCode(this.#o.source));
  }

  #raise(startedAt: number): void {
    if (this.#stopped) return;
    const { source, alertAfterMs, clock } = this.#o;
    const started = new Date(startedAt).toISOString().slice(11, 19);
    const message =
      `Source "${source}" has been stuck in a read since ${started} UTC (over ${describeMinutes(alertAfterMs)}): nothing new is read from it. ` +
      'Another program may hold a lock on the data, or the connection may hang. This clears by itself when the read returns; ' +
      'if it lasts, check the database server or share, then restart the agent for a new connection.';
    this.#raised = true;
    this.#o.status.sourceFailed(source, { code: READ_STALLED_CODE, message });
    this.#o.alerts.raiseAlert({ code: readStalledAlertCode(source), severity: 'critical', message });
    this.#o.logger.error({ errorType: READ_STALLED_CODE, stage: 'capture', startedAt: new Date(startedAt).toISOString(), now: new Date(clock.now()).toISOString() }, message);
  }
}

function describeMinutes(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes >= 1 && Number.isInteger(minutes)) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${Number((ms / 1000).toFixed(1))} seconds`;
}
