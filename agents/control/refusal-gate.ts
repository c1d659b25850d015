/**
 * What happens to a refused control request (issue 12, item 5). Every TCP caller is 127.0.0.1, so
 * there is no address to block: any local user or web page can send wrong tokens as fast as the
 * agent answers, and before this each refusal wrote a log line (a flood measured 5,200 a second,
 * about 5 GB of log an hour). So refused requests, and only those, are slowed down and bounded:
 * - each refusal is answered after a delay, with `Connection: close`, so a caller cannot pipeline
 *   guesses; the delay grows while refusals keep coming;
 * - at most `maxPending` refusals wait at once; beyond that the connection is closed unanswered,
 *   which costs the agent nothing;
 * - the log gets one summary line per interval (counts per refusal code), never a line each;
 * - more than `alertThreshold` failed authentications in an interval raise `control_auth_failures`.
 * Valid requests never pass through here, so they stay as fast as ever (the token check before
 * this is a constant-time hash compare).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../telemetry/logger.ts';
import type { GuardRefusal } from './request-guard.ts';

export const AUTH_FAILURE_ALERT = 'control_auth_failures';

export interface RefusalAlerts {
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
}

export interface RefusalGateOptions {
  logger: Logger;
  alerts?: RefusalAlerts;
  summaryIntervalMs?: number;
  alertThreshold?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  maxPending?: number;
}

/** Refusal codes that mean "someone tried to authenticate and failed". */
const AUTH_FAILURE_CODES = new Set(['unauthorized', 'csrf_mismatch', 'login_link_refused']);

export class RefusalGate {
  readonly #logger: Logger;
  readonly #alerts: RefusalAlerts | undefined;
  readonly #intervalMs: number;
  readonly #threshold: number;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxPending: number;
  #counts = new Map<string, number>();
  #dropped = 0;
  #authFailures = 0;
  #alerted = false;
  #timer: NodeJS.Timeout | null = null;
  readonly #pending = new Set<{ timer: NodeJS.Timeout; response: ServerResponse }>();

  constructor(options: RefusalGateOptions) {
    this.#logger = options.logger;
    this.#alerts = options.alerts;
    this.#intervalMs = options.summaryIntervalMs ?? 60_000;
    this.#threshold = options.alertThreshold ?? 100;
    this.#minDelayMs = options.minDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000;
    this.#maxPending = options.maxPending ?? 64;
  }

  /** Refuses the request: counted, then answered by `send` after a delay, or dropped when too many wait. */
  refuse(request: IncomingMessage, response: ServerResponse, refusal: GuardRefusal, send: () => void): void {
    this.#count(refusal.code);
    // Drain whatever was sent so the refusal is not lost in a reset connection.
    request.resume();
    response.shouldKeepAlive = false;
    if (this.#pending.size >= this.#maxPending) {
      this.#dropped++;
      request.socket.destroy();
      return;
    }
    const entry = {
      response,
      timer: setTimeout(() => {
        this.#pending.delete(entry);
        if (!response.destroyed) send();
      }, this.#delayMs()),
    };
    this.#pending.add(entry);
  }

  /** Logs what is counted so far and stops; waiting refusals are dropped. */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#flush();
    for (const entry of this.#pending) {
      clearTimeout(entry.timer);
      entry.response.destroy();
    }
    this.#pending.clear();
  }

  /** The delay doubles with every 50 refusals in the current interval, from min to max. */
  #delayMs(): number {
    const total = [...this.#counts.values()].reduce((a, b) => a + b, 0);
    return Math.min(this.#maxDelayMs, this.#minDelayMs * 2 ** Math.floor(total / 50));
  }

  #count(code: string): void {
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1);
    if (AUTH_FAILURE_CODES.has(code)) this.#authFailures++;
    if (!this.#alerted && this.#authFailures > this.#threshold) {
      this.#alerted = true;
      this.#alerts?.raiseAlert({
        code: AUTH_FAILURE_ALERT,
        severity: 'warning',
        message:
          `More than ${this.#threshold} requests to the local control API came with a wrong or missing token within ` +
          `${Math.round(this.#intervalMs / 1000)} s: a program or web page on this computer may be guessing. They are slowed down ` +
          'and refused; the agent log has a summary each minute. Find the program, or restart the agent to get a new token.',
      });
    }
    if (this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#flush();
      }, this.#intervalMs);
      this.#timer.unref();
    }
  }

  #flush(): void {
    const total = [...this.#counts.values()].reduce((a, b) => a + b, 0);
    if (total > 0) {
      const byCode = Object.fromEntries(this.#counts);
      const detail = [...this.#counts].map(([code, n]) => `${n} ${code}`).join(', ');
      const dropped = this.#dropped > 0 ? ` ${this.#dropped} of them were closed unanswered (too many waiting).` : '';
      this.#logger.warn({ refused: byCode, dropped: this.#dropped }, `Refused ${total} control requests in the last ${Math.round(this.#intervalMs / 1000)} s (${detail}).${dropped}`);
    }
    this.#counts = new Map();
    this.#dropped = 0;
    this.#authFailures = 0;
    this.#alerted = false;
  }
}
