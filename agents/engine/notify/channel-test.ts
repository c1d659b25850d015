/**
 * A test notice through every configured alert channel, on request (`tya-agent alerts test`, the
 * dashboard's Settings). Without it a wrong SMTP password or a mistyped webhook shows only when a
 * real alert fails to arrive, which is the moment nobody is looking. The notice goes through the
 * same channel code as real alerts, at the lowest severity each channel is set to pass on, so the
 * receiver's own rules (a pager for critical) are tested too. Nothing is stored: it is not an alert.
 */
import type { AlertChannel, AlertChannelTest, NotifyConfig } from '../../api/notify-config.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import { notifyChannels } from './alert-notifier.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { asSentence, errorWords, TEST_ALERT_CODE, type NotifyChannel } from './channels.ts';

export { TEST_ALERT_CODE };

export interface ChannelTestDeps {
  agentName: string;
  config: NotifyConfig | undefined;
  secrets: SecretResolver;
  now: () => number;
  /** Only these channels (a test through the webhook may page someone at night); all when absent. */
  only?: readonly AlertChannel['channel'][] | undefined;
  /** Tests replace the channels built from the config. */
  channels?: (config: NotifyConfig) => NotifyChannel[];
}

/** Where each configured channel sends, in the order alerts go out. */
export function describeAlertChannels(config: NotifyConfig | undefined): AlertChannel[] {
  if (config === undefined) return [];
  const channels: AlertChannel[] = [];
  if (config.webhook !== undefined) {
    const { url, urlSecret } = config.webhook;
    const target = url !== undefined ? new URL(url).origin : `the URL stored as "${urlSecret!.secretRef}"`;
    channels.push({ channel: 'webhook', target, minSeverity: config.webhook.minSeverity });
  }
  if (config.email !== undefined) {
    const { to, host, port } = config.email;
    channels.push({ channel: 'email', target: `${to.join(', ')} via ${host}:${port}`, minSeverity: config.email.minSeverity });
  }
  if (config.syslog !== undefined) {
    const s = config.syslog;
    const target = s.type === 'unix' ? `the local socket ${s.path}` : `${s.type.toUpperCase()} ${s.host}:${s.port}`;
    channels.push({ channel: 'syslog', target: `${target}, facility ${s.facility}`, minSeverity: s.minSeverity });
  }
  if (config.eventLog !== undefined) {
    channels.push({ channel: 'eventLog', target: `the Application log, source "${config.eventLog.source}"`, minSeverity: config.eventLog.minSeverity });
  }
  return channels;
}

/** The keychain entries the alert channels read: the mail password, a webhook URL kept as a secret. */
export function alertChannelSecrets(config: NotifyConfig | undefined): Array<{ ref: string; kind: 'alertEmail' | 'alertWebhook' }> {
  const secrets: Array<{ ref: string; kind: 'alertEmail' | 'alertWebhook' }> = [];
  if (config?.email?.password !== undefined) secrets.push({ ref: config.email.password.secretRef, kind: 'alertEmail' });
  if (config?.webhook?.urlSecret !== undefined) secrets.push({ ref: config.webhook.urlSecret.secretRef, kind: 'alertWebhook' });
  return secrets;
}

/** Sends one test notice through each channel at once; every channel gets its own outcome. */
export async function testAlertChannels(deps: ChannelTestDeps): Promise<AlertChannelTest[]> {
  const { config } = deps;
  if (config === undefined) return [];
  const described = describeAlertChannels(config);
  const missing = (deps.only ?? []).filter((name) => !described.some((d) => d.channel === name));
  if (missing.length > 0) {
    throw new AgentError('alert_channel_not_configured', `Not configured: ${missing.join(', ')} (configured: ${described.map((d) => d.channel).join(', ') || 'none'}).`, {
      hint: 'Name channels that "notify" in the config sets up: webhook, email, syslog, eventLog.',
    });
  }
  const channels = (deps.channels ?? notifyChannels(deps.secrets, deps.now))(config).filter((c) => deps.only === undefined || deps.only.includes(c.name));
  return Promise.all(
    channels.map(async (channel): Promise<AlertChannelTest> => {
      const about = described.find((d) => d.channel === channel.name) ?? { channel: channel.name, target: channel.name, minSeverity: channel.minSeverity };
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        await channel.send({
          agent: deps.agentName,
          code: TEST_ALERT_CODE,
          severity: channel.minSeverity,
          state: 'raised',
          since: new Date(deps.now()).toISOString(),
          message:
            `This is a test of the TYA Sync Agent "${deps.agentName}" (${channelWords[channel.name]}): if you can read it, ` +
            `the agent's ${channel.minSeverity === 'critical' ? 'critical ' : ''}alerts reach you this way. Nothing is wrong.`,
        });
        return { ...about, ok: true, ms: elapsed(), error: null, unconfirmed: config.syslog?.type === 'udp' && channel.name === 'syslog' };
      } catch (error) {
        const words = errorWords(error);
        // A channel's own error may already say which setting to check.
        const said = words.includes('notify.') ? words : `${asSentence(words)} ${whatToCheck(channel.name, config)}`;
        return { ...about, ok: false, ms: elapsed(), error: said, unconfirmed: false };
      }
    }),
  );
}

const channelWords: Record<AlertChannel['channel'], string> = {
  webhook: 'sent to its webhook',
  email: 'sent by e-mail',
  syslog: 'sent to syslog',
  eventLog: 'written to the Windows event log',
};

function whatToCheck(channel: AlertChannel['channel'], config: NotifyConfig): string {
  switch (channel) {
    case 'webhook':
      return 'Check notify.webhook.url and that this machine may reach it (proxy, firewall).';
    case 'email': {
      const ref = config.email?.password?.secretRef;
      const password = ref === undefined ? '' : ` and the password stored as "${ref}" (tya-agent secret set ${ref})`;
      return `Check notify.email (host, port, secure), the username${password}, and that the server may relay for ${config.email?.from ?? 'the sender'}.`;
    }
    case 'syslog':
      return 'Check notify.syslog and that the syslog server listens there.';
    case 'eventLog':
      return 'The event log is written on Windows only; the first event needs an administrator once, to create the source.';
  }
}
