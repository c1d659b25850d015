/**
 * Watches one source's failures. A source that fails shows as failing in `status` and the dashboard,
 * but a server in a back office has nobody looking: a changed database password, a table locked for
 * hours or a server that is down would stop the data without one alert going out. After
 * `alertAfterMs` of failing without a success in between, a critical condition alert goes out through
 * every alert channel (docs/alerts-and-metrics.md); the first success clears it. A short outage, which
 * the agent rides out by retrying, raises nothing.
 */
import type { Clock } from '../pipeline/clock.ts';

/** Failing this long without a success is an outage a person must hear about. */
export const SOURCE_FAILING_ALERT_MS = 15 * 60_000;
export const SOURCE_FAILING_CODE = 'source_failing';

export function sourceFailingAlertCode(source: string): string {
  return `${SOURCE_FAILING_CODE}:${source}`;
}

export interface FailureWatchOptions {
  source: string;
  alertAfterMs: number;
  alerts: {
    raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
    clearAlert(code: string): void;
  };
  clock: Clock;
}

/** Condition alerts that belong to one source: `<prefix>:<source>` or `<prefix>:<source>/<stream>`. */
const PER_SOURCE_PREFIXES = [SOURCE_FAILING_CODE, 'stream_stopped'];

function sourceOfAlert(code: string): string | undefined {
  const colon = code.indexOf(':');
  if (colon === -1 || !PER_SOURCE_PREFIXES.includes(code.slice(0, colon))) return undefined;
  const rest = code.slice(colon + 1);
  return code.startsWith(`${SOURCE_FAILING_CODE}:`) ? rest : rest.slice(0, rest.lastIndexOf('/'));
}

type AlertList = { listAlerts(): Array<{ code: string }>; clearAlert(code: string): void };

/**
 * At start: the failing-source and stopped-stream alerts of a source no longer configured have no
 * loop left to clear them. A configured source's alerts stay until it reads again: a restart fixes
 * nothing by itself.
 */
export function clearFailingAlertsOfRemovedSources(alerts: AlertList, configured: readonly string[]): void {
  const kept = new Set(configured);
  for (const { code } of alerts.listAlerts()) {
    const source = sourceOfAlert(code);
    if (source !== undefined && !kept.has(source)) alerts.clearAlert(code);
  }
}

/** A source removed from the config while the agent runs: its own alerts go with it. */
export function clearAlertsOfSource(alerts: AlertList, source: string): void {
  for (const { code } of alerts.listAlerts()) if (sourceOfAlert(code) === source) alerts.clearAlert(code);
}

export class FailureWatch {
  readonly #o: FailureWatchOptions;
  /** When the current run of failures began; undefined after a success. */
  #since: number | undefined;
  /** The words last raised, so a failure repeating the same error writes nothing. */
  #raised: string | undefined;
  /** Whether an alert of an earlier run may be standing (cleared at the first success). */
  #mayStand = true;

  constructor(options: FailureWatchOptions) {
    this.#o = options;
  }

  failed(error: { message: string }): void {
    const now = this.#o.clock.now();
    this.#since ??= now;
    if (now - this.#since < this.#o.alertAfterMs) return;
    const limit = this.#o.alertAfterMs;
    const took = limit >= 60_000 ? `${Math.round(limit / 60_000)} minutes` : `${Math.round(limit / 1000)} seconds`;
    const message = `Source "${this.#o.source}" has not read anything for over ${took}; it keeps trying. Last error: ${error.message}`;
    if (message === this.#raised) return;
    this.#o.alerts.raiseAlert({ code: sourceFailingAlertCode(this.#o.source), severity: 'critical', message });
    this.#raised = message;
    this.#mayStand = true;
  }

  succeeded(): void {
    this.#since = undefined;
    if (!this.#mayStand) return;
    this.#o.alerts.clearAlert(sourceFailingAlertCode(this.#o.source));
    this.#raised = undefined;
    this.#mayStand = false;
  }
}
