/**
 * Sends the outbox's alerts to a webhook, by e-mail, to syslog or the Windows event log when nobody watches the tray (issue 16
 * item 8). Every few seconds it compares the raised alerts with what each channel was already told:
 * a new alert is sent once, a still-raised one again only after `repeatAfterMins` (the rule against
 * repeats), a cleared one that was announced gets a "resolved" message. What each channel was told
 * lives in the outbox state table, so a restart does not send everything again. A failed send is
 * retried with backoff on a later tick; nothing else waits for it.
 */
import type { Alert } from '../../api/index.ts';
import type { NotifyConfig } from '../../api/notify-config.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { emailChannel, errorWords, webhookChannel, type AlertNotice, type NotifyChannel } from './channels.ts';
import { eventLogChannel } from './event-log-channel.ts';
import { syslogChannel } from './syslog-channel.ts';
import { ChannelHealth, type ChannelHealthDeps } from './channel-health.ts';

export interface AlertNotifierDeps {
  agentName: () => string;
  config: () => NotifyConfig | undefined;
  outbox: ChannelHealthDeps['outbox'] & {
    listAlerts(): Alert[];
    getState(key: string): string | undefined;
    setState(key: string, value: string): void;
  };
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  /** Tests replace the channels built from the config. */
  channels?: (config: NotifyConfig) => NotifyChannel[];
}

/** What one channel knows about one alert code. */
interface Told {
  since: string;
  severity: 'warning' | 'critical';
  message: string;
  /** When "raised" last reached the receiver; null: not yet (first send pending or failing). */
  sentAt: number | null;
  failures: number;
  nextTryAt: number;
}

const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 15 * 60_000;
export const NOTIFY_TICK_MS = 5_000;

export class AlertNotifier {
  readonly #deps: AlertNotifierDeps;
  readonly #health: ChannelHealth;
  #busy: Promise<void> | null = null;
  #stopped = false;
  /** The notify config last seen: when it changes, conditions of channels it no longer has are cleared. */
  #seenConfig: NotifyConfig | undefined | null = null;

  constructor(deps: AlertNotifierDeps) {
    this.#deps = deps;
    this.#health = new ChannelHealth({ outbox: deps.outbox, now: deps.now });
  }

  /** One pass over every channel; overlapping calls share the pass in flight. */
  tick(): Promise<void> {
    this.#busy ??= this.#pass().finally(() => {
      this.#busy = null;
    });
    return this.#busy;
  }

  /**
   * For a process that lives only to say one thing (`service notify-stopped`): passes until every
   * configured channel has told `code`, or `deadlineMs` is reached; failed sends are retried with the
   * usual backoff in between. Returns the channels that could not be told.
   */
  async deliver(code: string, deadlineMs: number, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))): Promise<string[]> {
    const config = this.#deps.config();
    if (config === undefined) return [];
    const names = this.#channels(config).map((channel) => channel.name);
    for (;;) {
      await this.tick();
      const untold = names.filter((name) => readTold(this.#deps.outbox.getState(`notify.${name}`))[code]?.sentAt == null);
      if (untold.length === 0 || this.#deps.now() >= deadlineMs) return untold;
      await sleep(1_000);
    }
  }

  /** After stop a send still in flight may finish, but nothing more is read or written (the outbox closes). */
  stop(): void {
    this.#stopped = true;
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return;
    const config = this.#deps.config();
    if (config !== this.#seenConfig) {
      this.#seenConfig = config;
      const configured = new Set(config === undefined ? [] : this.#channels(config).map((c) => c.name));
      this.#health.forgetAllBut(configured, this.#deps.outbox.listAlerts().map((a) => a.code));
    }
    if (config === undefined) return;
    const channels = this.#channels(config);
    const alerts = this.#deps.outbox.listAlerts();
    await Promise.all(channels.map((channel) => this.#passChannel(channel, alerts, config.repeatAfterMins)));
  }

  #channels(config: NotifyConfig): NotifyChannel[] {
    return (this.#deps.channels ?? notifyChannels(this.#deps.secrets, this.#deps.now))(config);
  }

  async #passChannel(channel: NotifyChannel, alerts: Alert[], repeatAfterMins: number): Promise<void> {
    const key = `notify.${channel.name}`;
    const told = readTold(this.#deps.outbox.getState(key));
    const now = this.#deps.now();
    const wanted = alerts.filter((a) => channel.minSeverity === 'warning' || a.severity === 'critical');
    const raised = new Set(wanted.map((a) => a.code));
    const save = (): void => {
      if (!this.#stopped) this.#deps.outbox.setState(key, JSON.stringify(told));
    };

    for (const alert of wanted) {
      if (this.#stopped) return;
      let entry = told[alert.code];
      // A different `since` is a new occurrence (cleared and raised again while we were not looking).
      if (entry?.since !== alert.since) {
        entry = { since: alert.since, severity: alert.severity, message: alert.message, sentAt: null, failures: 0, nextTryAt: 0 };
        told[alert.code] = entry;
      }
      entry.severity = alert.severity;
      entry.message = alert.message;
      const due = entry.sentAt === null || now - entry.sentAt >= repeatAfterMins * 60_000;
      if (!due || now < entry.nextTryAt) continue;
      const ok = await this.#send(channel, entry, { code: alert.code, state: 'raised' });
      if (ok) entry.sentAt = this.#deps.now();
      save();
    }
    for (const [code, entry] of Object.entries(told)) {
      if (raised.has(code) || this.#stopped) continue;
      // Never announced: nobody needs to hear it cleared.
      if (entry.sentAt === null) {
        delete told[code];
        save();
        continue;
      }
      if (now < entry.nextTryAt) continue;
      if (await this.#send(channel, entry, { code, state: 'resolved' })) delete told[code];
      save();
    }
  }

  /** Sends one notice; on failure logs it (the error's words only) and pushes the entry's next try back. */
  async #send(channel: NotifyChannel, entry: Told, what: { code: string; state: 'raised' | 'resolved' }): Promise<boolean> {
    const notice: AlertNotice = {
      agent: this.#deps.agentName(),
      code: what.code,
      severity: entry.severity,
      message: entry.message,
      since: entry.since,
      state: what.state,
    };
    try {
      await channel.send(notice);
      entry.failures = 0;
      entry.nextTryAt = 0;
      if (!this.#stopped) this.#health.succeeded(channel.name);
      this.#deps.logger.info({ channel: channel.name, code: what.code, state: what.state }, 'Sent an alert notification.');
      return true;
    } catch (error) {
      entry.failures += 1;
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (entry.failures - 1));
      entry.nextTryAt = this.#deps.now() + delay;
      if (!this.#stopped) this.#health.failed(channel.name, errorWords(error));
      this.#deps.logger.warn(
        { channel: channel.name, code: what.code, failures: entry.failures, retryInSecs: Math.round(delay / 1000), reason: errorWords(error) },
        `Could not send an alert notification by ${channel.name}; it is retried later.`,
      );
      return false;
    }
  }
}

/** The channels the config names, in a fixed order (also what `alerts test` sends through). */
export function notifyChannels(secrets: SecretResolver, now: () => number): (config: NotifyConfig) => NotifyChannel[] {
  return (config) => [
    ...(config.webhook === undefined ? [] : [webhookChannel(config.webhook, secrets)]),
    ...(config.email === undefined ? [] : [emailChannel(config.email, secrets)]),
    ...(config.syslog === undefined ? [] : [syslogChannel(config.syslog, { now })]),
    ...(config.eventLog === undefined ? [] : [eventLogChannel(config.eventLog)]),
  ];
}

function readTold(raw: string | undefined): Record<string, Told> {
  if (raw === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, Told>) : {};
  } catch {
    // A damaged record costs at most one repeated message, never a silenced one.
    return {};
  }
}

/** Starts the notifier on a timer for a running agent; returns its stop. */
export function startAlertNotifier(deps: AlertNotifierDeps, tickMs = NOTIFY_TICK_MS): () => void {
  const notifier = new AlertNotifier(deps);
  const tick = (): void => {
    notifier.tick().catch((error: unknown) => {
      deps.logger.warn({ reason: errorWords(error) }, 'The alert notifier could not read the alerts; it tries again.');
    });
  };
  const timer = setInterval(tick, tickMs);
  timer.unref();
  tick();
  return () => {
    clearInterval(timer);
    notifier.stop();
  };
}
