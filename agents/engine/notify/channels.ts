/**
 * The ways an alert leaves the machine: a webhook POST and an e-mail here, syslog (syslog-channel.ts)
 * and the Windows event log (event-log-channel.ts). Each send either resolves
 * or throws an error whose message is safe to log (no password, no header values).
 */
import { isLoopbackName } from '../../api/loopback.ts';
import { webhookUrlProblem, type EmailNotifyConfig, type WebhookNotifyConfig } from '../../api/notify-config.ts';
import type { SecretResolver } from '../../pipeline/source.ts';

/** What a receiver gets for one alert: when it is raised (or still raised, as a reminder) and when it clears. */
export interface AlertNotice {
  agent: string;
  code: string;
  severity: 'warning' | 'critical';
  message: string;
  since: string;
  state: 'raised' | 'resolved';
}

export interface NotifyChannel {
  /** Also the state key of what this channel was told (`notify.<name>`). */
  readonly name: 'webhook' | 'email' | 'syslog' | 'eventLog';
  readonly minSeverity: 'warning' | 'critical';
  send(notice: AlertNotice): Promise<void>;
}

/** A send that hangs must not hold the retry schedule hostage. */
const SEND_TIMEOUT_MS = 15_000;

export function webhookChannel(config: WebhookNotifyConfig, secrets: SecretResolver): NotifyChannel {
  return {
    name: 'webhook',
    minSeverity: config.minSeverity,
    async send(notice) {
      const url = await webhookUrl(config, secrets);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notice),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        redirect: 'error',
      });
      await response.body?.cancel();
      if (!response.ok) {
        throw new Error(`The webhook answered HTTP ${response.status}; check notify.webhook.url and the receiver.`);
      }
    },
  };
}

/** The URL from the config, or from the keychain per send (a replaced URL takes effect without a restart). */
async function webhookUrl(config: WebhookNotifyConfig, secrets: SecretResolver): Promise<string> {
  if (config.urlSecret === undefined) return config.url!;
  const url = await secrets.resolve(config.urlSecret.secretRef);
  const problem = webhookUrlProblem(url);
  // Never the value in the words: it is a secret.
  if (problem !== null) throw new Error(`The webhook URL stored as "${config.urlSecret.secretRef}" (notify.webhook.urlSecret) ${problem}; store it again with "tya-agent secret set ${config.urlSecret.secretRef}".`);
  return url;
}

export function emailChannel(config: EmailNotifyConfig, secrets: SecretResolver): NotifyChannel {
  return {
    name: 'email',
    minSeverity: config.minSeverity,
    async send(notice) {
      // Resolved per send: a password changed in the keychain takes effect without a restart.
      const pass = config.password === undefined ? undefined : await secrets.resolve(config.password.secretRef);
      // Loaded on the first mail: nodemailer costs the resident agent ~24 MiB, and most agents send none.
      const { createTransport } = await import('nodemailer');
      const transport = createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        // Alert text and the password never cross a network in clear: STARTTLS is required unless the relay is local.
        requireTLS: !config.secure && !isLoopbackName(config.host),
        auth: config.username === undefined ? undefined : { user: config.username, pass },
        connectionTimeout: SEND_TIMEOUT_MS,
        greetingTimeout: SEND_TIMEOUT_MS,
        socketTimeout: SEND_TIMEOUT_MS,
      });
      try {
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: mailSubject(notice),
          text: mailText(notice),
        });
      } finally {
        transport.close();
      }
    },
  };
}

/** Words quoted into an alert's sentence (an error, a config problem) end it: a full stop unless they end in one. */
export function asSentence(words: string): string {
  return /[.!?…]$/.test(words) ? words : `${words}.`;
}

/** The error's message and code only: never its object, which for SMTP can carry the command sent. */
export function errorWords(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const words = typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  // fetch says only "fetch failed"; why (refused, no such host, TLS) is in its cause.
  return error.cause instanceof Error && !words.includes(error.cause.message) ? `${words} (${errorWords(error.cause)})` : words;
}

export function mailSubject(notice: AlertNotice): string {
  const what = notice.state === 'resolved' ? 'Resolved' : notice.severity === 'critical' ? 'CRITICAL' : 'Warning';
  return `[TYA agent ${notice.agent}] ${what}: ${notice.code}`;
}

/** The code of a test notice (`alerts test`), so a receiver can tell it from a real alert. */
export const TEST_ALERT_CODE = 'test_notification';

function mailText(notice: AlertNotice): string {
  const head =
    notice.code === TEST_ALERT_CODE
      ? `Agent "${notice.agent}" sends a test notification, as it sends its ${notice.severity} alerts:`
      : notice.state === 'resolved'
        ? `This alert has cleared on agent "${notice.agent}":`
        : `Agent "${notice.agent}" raised an alert (${notice.severity}):`;
  return [head, '', notice.message, '', `Code: ${notice.code}`, `Since: ${notice.since}`, ''].join('\n');
}
