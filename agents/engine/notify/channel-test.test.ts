/**
 * `alerts test` through real channels on loopback: a webhook receiver, an SMTP server that checks
 * the password kept in the real keychain, a TCP port nobody listens on, and a UDP syslog target.
 * Each channel gets its own outcome, and a failure says what to check without a secret in it.
 */
import keytar from 'keytar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotifyConfigSchema } from '../../api/notify-config.ts';
import { KeytarSecretStore, VaultSecretResolver } from '../../vault/index.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp-sink.ts';
import { startWebhookSink, type WebhookSink } from '../../../test/helpers/webhook-sink.ts';
import { freePort } from '../../../test/helpers/free-port.ts';
import { describeAlertChannels, TEST_ALERT_CODE, testAlertChannels } from './channel-test.ts';

const SERVICE = 'tya-sync-agent-test';
const namespace = `channel-test-${process.pid}`;
const SMTP_PASSWORD = 'smtp-pass-Zx8Cv6Bn4M';

let hook: WebhookSink;
let smtp: SmtpSink;
const store = () => new KeytarSecretStore({ service: SERVICE, namespace });

beforeEach(async () => {
  hook = await startWebhookSink();
  smtp = await startSmtpSink({ user: 'agent@example.test', pass: SMTP_PASSWORD });
});

afterEach(async () => {
  await hook.close();
  await smtp.close();
  await keytar.deletePassword(SERVICE, `${namespace}/smtp/password`);
  await keytar.deletePassword(SERVICE, `${namespace}/alerts/webhook-url`);
});

function config(extra: Record<string, unknown> = {}) {
  return NotifyConfigSchema.parse({
    webhook: { url: `${hook.url}?token=hook-token-Kd93` },
    email: {
      host: '127.0.0.1', port: smtp.port, from: 'agent@example.test', to: ['it@example.test'],
      username: 'agent@example.test', password: { secretRef: 'smtp/password' }, minSeverity: 'critical',
    },
    ...extra,
  });
}

const run = (notify: ReturnType<typeof config>) =>
  testAlertChannels({ agentName: 'store-7', config: notify, secrets: new VaultSecretResolver(store()), now: () => Date.parse('2026-12-08T09:00:00Z') });

describe('alerts test', () => {
  it('reaches a webhook and a mail server, each at the lowest severity it passes on, and stores nothing', async () => {
    await store().set('smtp/password', SMTP_PASSWORD);
    const results = await run(config({ syslog: { type: 'tcp', host: '127.0.0.1', port: await freePort() } }));

    expect(results.map((r) => [r.channel, r.ok])).toEqual([['webhook', true], ['email', true], ['syslog', false]]);
    expect(hook.received).toEqual([
      {
        agent: 'store-7', code: TEST_ALERT_CODE, severity: 'warning', state: 'raised', since: '2026-12-08T09:00:00.000Z',
        message: 'This is a test of the TYA Sync Agent "store-7" (sent to its webhook): if you can read it, the agent\'s alerts reach you this way. Nothing is wrong.',
      },
    ]);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.data).toContain(`Subject: [TYA agent store-7] CRITICAL: ${TEST_ALERT_CODE}`);
    const body = smtp.mails[0]!.data.replace(/=\r\n/g, '');
    expect(body).toContain('Agent "store-7" sends a test notification, as it sends its critical alerts:');
    expect(body).toMatch(/the agent(?:=27|')s critical alerts reach you this way\. Nothing is wrong\./);
    // The webhook's token is in its URL: only the origin is shown.
    expect(results[0]).toMatchObject({ target: new URL(hook.url).origin, minSeverity: 'warning', error: null, unconfirmed: false });
    expect(JSON.stringify(results)).not.toContain('hook-token-Kd93');
    expect(results[1]).toMatchObject({ target: `it@example.test via 127.0.0.1:${smtp.port}`, minSeverity: 'critical' });
    expect(results[2]!.error).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+\. Check notify\.syslog and that the syslog server listens there\./);
  });

  it('says what to check when the mail password is wrong or missing, or the webhook refuses, and never shows the password', async () => {
    await store().set('smtp/password', 'not-the-password-Yt5');
    hook.status = 503;
    const wrong = await run(config());
    expect(wrong.map((r) => r.ok)).toEqual([false, false]);
    expect(wrong[0]!.error).toBe('The webhook answered HTTP 503; check notify.webhook.url and the receiver.');
    expect(wrong[1]!.error).toMatch(/535|[Aa]uthentication/);
    expect(wrong[1]!.error).toContain('the password stored as "smtp/password" (tya-agent secret set smtp/password)');
    expect(JSON.stringify(wrong)).not.toContain('not-the-password-Yt5');
    expect(smtp.mails).toEqual([]);

    await keytar.deletePassword(SERVICE, `${namespace}/smtp/password`);
    hook.status = 204;
    const missing = await run(config());
    expect(missing[0]!.ok).toBe(true);
    expect(missing[1]!.error).toMatch(/smtp\/password/);
  });

  it('sends to UDP syslog but says it cannot be confirmed, and lists nothing when no channel is configured', async () => {
    const results = await run(config({ webhook: undefined, email: undefined, syslog: { type: 'udp', host: '127.0.0.1', port: await freePort(), facility: 'local3' } }));
    expect(results).toEqual([
      { channel: 'syslog', target: expect.stringMatching(/^UDP 127\.0\.0\.1:\d+, facility local3$/) as string, minSeverity: 'warning', ok: true, ms: expect.any(Number) as number, error: null, unconfirmed: true },
    ]);
    expect(await testAlertChannels({ agentName: 'x', config: undefined, secrets: new VaultSecretResolver(store()), now: Date.now })).toEqual([]);
    expect(describeAlertChannels(undefined)).toEqual([]);
  });

  it('sends only through the channels named, and refuses a channel the config does not set up', async () => {
    await store().set('smtp/password', SMTP_PASSWORD);
    const only = (names: Array<'webhook' | 'email' | 'syslog'>) =>
      testAlertChannels({ agentName: 'store-7', config: config(), secrets: new VaultSecretResolver(store()), now: Date.now, only: names });
    expect((await only(['email'])).map((r) => [r.channel, r.ok])).toEqual([['email', true]]);
    expect(hook.received, 'the webhook, which may page someone, was not asked').toEqual([]);
    await expect(only(['syslog'])).rejects.toThrow('Not configured: syslog (configured: webhook, email).');
    expect(smtp.mails).toHaveLength(1);
  });

  it('posts to a webhook URL kept in the keychain, shows only its name, and refuses a stored URL that is not https', async () => {
    const secretUrl = `${hook.url}/T0/B0/hook-token-Rw55`;
    const notify = config({ webhook: { urlSecret: { secretRef: 'alerts/webhook-url' } }, email: undefined });
    const missing = await run(notify);
    expect(missing[0]).toMatchObject({ channel: 'webhook', target: 'the URL stored as "alerts/webhook-url"', ok: false });
    expect(missing[0]!.error).toMatch(/^secret_missing: .*"alerts\/webhook-url"/);

    await store().set('alerts/webhook-url', secretUrl);
    const stored = await run(notify);
    expect(stored.map((r) => r.ok)).toEqual([true]);
    expect(hook.received.map((n) => n.code)).toEqual([TEST_ALERT_CODE]);
    expect(JSON.stringify(stored)).not.toContain('hook-token-Rw55');

    await store().set('alerts/webhook-url', 'http://hooks.example.com/T0/B0/hook-token-Rw55');
    const plain = await run(notify);
    expect(plain[0]!.error).toBe('The webhook URL stored as "alerts/webhook-url" (notify.webhook.urlSecret) must be https, or http only for a loopback host (127.0.0.1, ::1, localhost); store it again with "tya-agent secret set alerts/webhook-url".');
    expect(() => NotifyConfigSchema.parse({ webhook: { url: hook.url, urlSecret: { secretRef: 'x' } } })).toThrow(/one of them/);
    expect(() => NotifyConfigSchema.parse({ webhook: {} })).toThrow(/one of them/);
  });

  it('names a fetch failure by its cause, not just "fetch failed"', async () => {
    const port = await freePort();
    const [result] = await run(config({ webhook: { url: `http://127.0.0.1:${port}/alerts` }, email: undefined }));
    expect(result!.error).toMatch(/^fetch failed \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+\)\. Check notify\.webhook\.url and that this machine may reach it/);
  });
});
