/**
 * An alert channel that keeps failing loses every alert it should carry, and the only trace was a
 * warning in the log. After `FAILING_AFTER_MS` of failed sends in a row it becomes a condition of
 * its own (`notify_failing:<channel>`), shown by status, the dashboard and the tray and sent through
 * the other channels; the first send that gets through clears it.
 */
import type { AlertChannel } from '../../api/notify-config.ts';

export const CHANNEL_FAILING_PREFIX = 'notify_failing:';
/** Long enough that a receiver's restart or a network blip says nothing. */
export const FAILING_AFTER_MS = 5 * 60_000;

export interface ChannelHealthDeps {
  outbox: {
    raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
    clearAlert(code: string): void;
  };
  now: () => number;
}

const BY: Record<AlertChannel['channel'], string> = {
  webhook: 'to the webhook',
  email: 'by e-mail',
  syslog: 'to syslog',
  eventLog: 'to the Windows event log',
};

export class ChannelHealth {
  readonly #deps: ChannelHealthDeps;
  /** Channel → when its first failure in a row happened and how many sends failed since. */
  readonly #failing = new Map<AlertChannel['channel'], { sinceMs: number; tries: number }>();

  constructor(deps: ChannelHealthDeps) {
    this.#deps = deps;
  }

  /** Also clears a condition raised before a restart (sends that get through are rare: one DELETE each is nothing). */
  succeeded(channel: AlertChannel['channel']): void {
    this.#failing.delete(channel);
    this.#deps.outbox.clearAlert(`${CHANNEL_FAILING_PREFIX}${channel}`);
  }

  failed(channel: AlertChannel['channel'], reason: string): void {
    const now = this.#deps.now();
    const run = this.#failing.get(channel) ?? { sinceMs: now, tries: 0 };
    run.tries += 1;
    this.#failing.set(channel, run);
    if (now - run.sinceMs < FAILING_AFTER_MS || run.tries < 2) return;
    const minutes = Math.round((now - run.sinceMs) / 60_000);
    this.#deps.outbox.raiseAlert({
      code: `${CHANNEL_FAILING_PREFIX}${channel}`,
      severity: 'warning',
      message:
        `Alerts cannot be sent ${BY[channel]}: ${run.tries} tries over ${minutes} minutes failed (last: ${reason}). ` +
        `Until this is fixed, alerts reach only status, the dashboard and any other channel. Fix notify.${channel} or the receiver, then run "tya-agent alerts test".`,
    });
  }

  /** A channel taken out of the config is no longer failing: its condition goes with it. */
  forgetAllBut(configured: ReadonlySet<string>, raisedCodes: readonly string[]): void {
    for (const code of raisedCodes) {
      if (!code.startsWith(CHANNEL_FAILING_PREFIX)) continue;
      const channel = code.slice(CHANNEL_FAILING_PREFIX.length);
      if (configured.has(channel)) continue;
      this.#failing.delete(channel as AlertChannel['channel']);
      this.#deps.outbox.clearAlert(code);
    }
  }
}
