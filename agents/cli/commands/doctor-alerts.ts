/**
 * doctor's look at the alert channels: none configured is a warning (a server has no tray, so a
 * problem reaches nobody who does not look), a mail password missing from the vault a failure, the
 * event log on a machine that is not Windows a warning. It sends nothing: `alerts test` does that.
 */
import type { NotifyConfig } from '../../api/notify-config.ts';
import { alertChannelSecrets, describeAlertChannels } from '../../engine/notify/channel-test.ts';
import type { SecretStore } from '../../vault/index.ts';
import type { Finding } from './doctor-checks.ts';

const MISSING = {
  alertEmail: { what: 'The mail password', where: 'notify.email', cannot: 'alert e-mails cannot be sent' },
  alertWebhook: { what: 'The webhook URL', where: 'notify.webhook.urlSecret', cannot: 'alerts cannot be posted to the webhook' },
} as const;

export async function checkAlertChannels(notify: NotifyConfig | undefined, store: SecretStore, platform: NodeJS.Platform = process.platform): Promise<Finding[]> {
  const channels = describeAlertChannels(notify);
  if (channels.length === 0) {
    return [
      {
        status: 'warn',
        text: 'No alert channel is configured: a problem (the cloud unreachable for hours, a source failing, the queue full) reaches nobody who does not look at status or the dashboard.',
        detail: ['Add "notify" with a webhook, e-mail or syslog (docs/alerts-and-metrics.md), then run "tya-agent alerts test".'],
      },
    ];
  }
  const findings: Finding[] = [
    {
      status: 'ok',
      text: `Alerts go to: ${channels.map((c) => `${c.channel} (${c.target}${c.minSeverity === 'critical' ? '; critical only' : ''})`).join(', ')}.`,
      detail: ['"tya-agent alerts test" sends a test through each and says whether it was accepted.'],
    },
  ];
  for (const { ref, kind } of alertChannelSecrets(notify)) {
    if ((await store.get(ref).catch(() => undefined)) !== undefined) continue;
    const { what, where, cannot } = MISSING[kind];
    findings.push({
      status: 'fail',
      text: `${what} "${ref}" named in ${where} is not stored: ${cannot}.`,
      detail: [`Store it with "tya-agent secret set ${ref}" (add --service for the installed service), then run "tya-agent alerts test".`],
    });
  }
  if (notify?.eventLog !== undefined && platform !== 'win32') {
    findings.push({ status: 'warn', text: 'notify.eventLog writes to the Windows event log: on this machine every alert sent there fails.', detail: ['Use syslog instead (notify.syslog).'] });
  }
  return findings;
}
