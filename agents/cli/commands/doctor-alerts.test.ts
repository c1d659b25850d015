/** doctor's alert-channel findings against the real keychain: a stored mail password passes, the event log off Windows warns. */
import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { NotifyConfigSchema } from '../../api/notify-config.ts';
import { KeytarSecretStore } from '../../vault/index.ts';
import { checkAlertChannels } from './doctor-alerts.ts';

const SERVICE = 'tya-sync-agent-test';
const namespace = `doctor-alerts-${process.pid}`;
const store = new KeytarSecretStore({ service: SERVICE, namespace });

afterEach(async () => {
  await keytar.deletePassword(SERVICE, `${namespace}/smtp/password`);
});

const notify = NotifyConfigSchema.parse({
  email: { host: 'mail.example.com', from: 'a@example.com', to: ['it@example.com'], username: 'a@example.com', password: { secretRef: 'smtp/password' }, minSeverity: 'critical' },
  eventLog: {},
});

describe('doctor: alert channels', () => {
  it('passes a stored mail password, fails a missing one, and warns about the event log off Windows only', async () => {
    const missing = await checkAlertChannels(notify, store, 'linux');
    expect(missing.map((f) => f.status)).toEqual(['ok', 'fail', 'warn']);
    expect(missing[0]!.text).toBe('Alerts go to: email (it@example.com via mail.example.com:587; critical only), eventLog (the Application log, source "TYA Sync Agent").');
    await store.set('smtp/password', 'pw-stored-Hq7');
    expect((await checkAlertChannels(notify, store, 'win32')).map((f) => f.status)).toEqual(['ok']);
    expect(JSON.stringify(await checkAlertChannels(notify, store, 'linux'))).not.toContain('pw-stored-Hq7');
  });

  it('fails a webhook URL named as a secret but not stored, and shows only its name', async () => {
    const kept = NotifyConfigSchema.parse({ webhook: { urlSecret: { secretRef: 'alerts/never-stored' } } });
    const findings = await checkAlertChannels(kept, store, 'linux');
    expect(findings.map((f) => f.status)).toEqual(['ok', 'fail']);
    expect(findings[0]!.text).toBe('Alerts go to: webhook (the URL stored as "alerts/never-stored").');
    expect(findings[1]!.text).toBe('The webhook URL "alerts/never-stored" named in notify.webhook.urlSecret is not stored: alerts cannot be posted to the webhook.');
  });
});
