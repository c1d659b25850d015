import { readFileSync } from 'node:fs';
import keytar from 'keytar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotifyConfigSchema, type NotifyConfig } from '../../api/notify-config.ts';
import { AgentConfigSchema } from '../../api/config.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from '../../outbox/outbox-test-kit.ts';
import type { Outbox } from '../../outbox/outbox.ts';
import { createLogger, type Logger } from '../../telemetry/logger.ts';
import { KeytarSecretStore, VaultSecretResolver } from '../../vault/index.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp-sink.ts';
import { startWebhookSink, type WebhookSink } from '../../../test/helpers/webhook-sink.ts';
import { AlertNotifier } from './alert-notifier.ts';
import { emailChannel } from './channels.ts';

const SERVICE = 'tya-sync-agent-test';
const namespace = `notify-test-${process.pid}`;
const SMTP_PASSWORD = 'smtp-pass-Q7w9e2r4t6';

let tmp: TempDir;
let clock: ManualClock;
let outbox: Outbox;
let hook: WebhookSink;
let smtp: SmtpSink;
let logger: Logger;
let logPath: string;

beforeEach(async () => {
  tmp = makeTempDir();
  clock = new ManualClock();
  outbox = openTestOutbox(tmp.path('o.db'), clock);
  hook = await startWebhookSink();
  smtp = await startSmtpSink({ user: 'agent@example.test', pass: SMTP_PASSWORD });
  await new KeytarSecretStore({ service: SERVICE, namespace }).set('smtp/password', SMTP_PASSWORD);
  logPath = tmp.path('agent.log');
  logger = createLogger({ level: 'info', destination: logPath });
});

afterEach(async () => {
  outbox.close();
  await hook.close();
  await smtp.close();
  await keytar.deletePassword(SERVICE, `${namespace}/smtp/password`);
  tmp.remove();
});

function notifyConfig(overrides: Partial<NotifyConfig> = {}): NotifyConfig {
  return NotifyConfigSchema.parse({
    webhook: { url: hook.url },
    email: {
      host: '127.0.0.1',
      port: smtp.port,
      from: 'agent@example.test',
      to: ['it@example.test', 'owner@example.test'],
      username: 'agent@example.test',
      password: { secretRef: 'smtp/password' },
    },
    ...overrides,
  });
}

function notifier(config: NotifyConfig = notifyConfig()): AlertNotifier {
  return new AlertNotifier({
    agentName: () => 'store-7-backoffice',
    config: () => config,
    outbox,
    secrets: new VaultSecretResolver(new KeytarSecretStore({ service: SERVICE, namespace })),
    logger,
    now: () => clock.now(),
  });
}

const QUEUE_FULL = { code: 'outbox_full', severity: 'critical', message: 'The queue is full: capture is paused until the cloud is reached.' } as const;

describe('AlertNotifier', () => {
  it('sends a raised alert once to the webhook and by mail, not again within the window, then "resolved"; a restart resends nothing', async () => {
    outbox.raiseAlert(QUEUE_FULL);
    const since = outbox.listAlerts()[0]?.since;
    await notifier().tick();

    expect(hook.received).toEqual([
      { agent: 'store-7-backoffice', code: 'outbox_full', severity: 'critical', message: QUEUE_FULL.message, since, state: 'raised' },
    ]);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.user).toBe('agent@example.test');
    expect(mail.to).toEqual(['it@example.test', 'owner@example.test']);
    expect(mail.data).toContain('Subject: [TYA agent store-7-backoffice] CRITICAL: outbox_full');
    expect(mail.data).toContain(QUEUE_FULL.message);

    // Raised again (new words, same condition) within the window: nothing new.
    clock.advance(30 * 60_000);
    outbox.raiseAlert({ ...QUEUE_FULL, message: 'The queue is still full.' });
    await notifier().tick();
    expect(hook.received).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);

    // A restart (a new outbox handle and notifier on the same file) resends nothing.
    outbox.close();
    outbox = openTestOutbox(tmp.path('o.db'), clock);
    await notifier().tick();
    expect(hook.received).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);

    // Past repeatAfterMins (240) and still raised: one reminder with the current words.
    clock.advance(211 * 60_000);
    await notifier().tick();
    expect(hook.received.map((n) => [n.state, n.message])).toEqual([
      ['raised', QUEUE_FULL.message],
      ['raised', 'The queue is still full.'],
    ]);
    expect(smtp.mails).toHaveLength(2);

    // Cleared: one "resolved" each, then silence.
    outbox.clearAlert('outbox_full');
    await notifier().tick();
    await notifier().tick();
    expect(hook.received.map((n) => n.state)).toEqual(['raised', 'raised', 'resolved']);
    expect(smtp.mails).toHaveLength(3);
    expect(smtp.mails[2]!.data).toContain('Subject: [TYA agent store-7-backoffice] Resolved: outbox_full');
    expect(readFileSync(logPath, 'utf8')).not.toContain(SMTP_PASSWORD);
  });

  it('retries a failed send with backoff, per channel, without sending twice to the one that worked', async () => {
    smtp.failing = true;
    outbox.raiseAlert(QUEUE_FULL);
    const running = notifier();
    await running.tick();
    expect(hook.received).toHaveLength(1);
    expect(smtp.mails).toHaveLength(0);

    // Within the backoff (5 s after the first failure): no new attempt even though the relay is back.
    smtp.failing = false;
    clock.advance(2_000);
    await running.tick();
    expect(smtp.mails).toHaveLength(0);

    clock.advance(4_000);
    await running.tick();
    expect(smtp.mails).toHaveLength(1);
    expect(hook.received).toHaveLength(1);

    const log = readFileSync(logPath, 'utf8');
    expect(log).toContain('Could not send an alert notification by email');
    expect(log).toContain('"retryInSecs":5');
    expect(log).not.toContain(SMTP_PASSWORD);
  });

  it('keeps a failing webhook from holding the mail back, and honours minSeverity', async () => {
    hook.status = 500;
    const config = notifyConfig({ email: { ...notifyConfig().email!, minSeverity: 'critical' } });
    outbox.raiseAlert({ code: 'cloud_unreachable', severity: 'warning', message: 'The cloud has not answered for 10 minutes.' });
    await notifier(config).tick();
    expect(smtp.mails).toHaveLength(0);
    expect(readFileSync(logPath, 'utf8')).toContain('The webhook answered HTTP 500');

    hook.status = 204;
    clock.advance(6_000);
    await notifier(config).tick();
    expect(hook.received.map((n) => n.code)).toEqual(['cloud_unreachable']);
    expect(smtp.mails).toHaveLength(0);
  });

  it('turns a channel that keeps failing into a condition the other channels carry, cleared by its first success', async () => {
    hook.status = 500;
    outbox.raiseAlert(QUEUE_FULL);
    const running = notifier();
    const failing = () => outbox.listAlerts().find((a) => a.code === 'notify_failing:webhook');
    // Retries back off (5 s, 10 s, 20 s…): a minute between ticks reaches each one.
    for (let minute = 0; minute < 4; minute++) {
      await running.tick();
      clock.advance(60_000);
    }
    expect(failing(), 'four minutes of failures are not yet a condition').toBeUndefined();
    for (let minute = 0; minute < 3 && failing() === undefined; minute++) {
      clock.advance(60_000);
      await running.tick();
    }
    expect(failing()).toMatchObject({ severity: 'warning', kind: 'condition' });
    expect(failing()!.message).toMatch(/^Alerts cannot be sent to the webhook: \d+ tries over [56] minutes failed \(last: The webhook answered HTTP 500; check notify\.webhook\.url and the receiver\.\)\. .*tya-agent alerts test/);
    await running.tick();
    expect(smtp.mails.map((m) => /Subject: (.*)/.exec(m.data)?.[1])).toContain('[TYA agent store-7-backoffice] Warning: notify_failing:webhook');

    // The receiver is back: the next send clears the condition, and the mail channel hears it resolved.
    hook.status = 204;
    clock.advance(16 * 60_000);
    await running.tick();
    expect(hook.received.map((n) => n.code)).toContain('outbox_full');
    expect(failing()).toBeUndefined();
    await running.tick();
    expect(smtp.mails.map((m) => /Subject: (.*)/.exec(m.data)?.[1])).toContain('[TYA agent store-7-backoffice] Resolved: notify_failing:webhook');
  });

  it('clears the condition of a channel taken out of the config, and one raised before a restart at its first success', async () => {
    outbox.raiseAlert({ code: 'notify_failing:webhook', severity: 'warning', message: 'Alerts cannot be sent to the webhook.' });
    outbox.raiseAlert({ code: 'notify_failing:syslog', severity: 'warning', message: 'Alerts cannot be sent to syslog.' });
    await notifier(notifyConfig()).tick();
    const codes = () => outbox.listAlerts().map((a) => a.code);
    expect(codes(), 'syslog is not configured; the webhook got its first send through').not.toContain('notify_failing:syslog');
    expect(codes()).not.toContain('notify_failing:webhook');
  });

  it('says nothing about an alert that cleared before it was ever announced', async () => {
    hook.status = 500;
    outbox.raiseAlert(QUEUE_FULL);
    await notifier(notifyConfig({ email: undefined })).tick();
    outbox.clearAlert('outbox_full');
    hook.status = 204;
    clock.advance(60_000);
    await notifier(notifyConfig({ email: undefined })).tick();
    expect(hook.received).toEqual([]);
  });
});

describe('the e-mail channel', () => {
  it('refuses to send to a relay that is not local and offers no STARTTLS, before any password leaves', async () => {
    // 127.0.0.2 is loopback to the kernel but not one of the names that count as a local relay.
    const remote = await startSmtpSink({ user: 'agent@example.test', pass: SMTP_PASSWORD, host: '127.0.0.2' });
    try {
      const channel = emailChannel(
        notifyConfig({ email: { ...notifyConfig().email!, host: '127.0.0.2', port: remote.port } }).email!,
        new VaultSecretResolver(new KeytarSecretStore({ service: SERVICE, namespace })),
      );
      const error = await channel
        .send({ agent: 'a', code: 'outbox_full', severity: 'critical', message: 'Full.', since: '2026-12-06T00:00:00.000Z', state: 'raised' })
        .catch((e: unknown) => e);
      expect(String(error)).toMatch(/STARTTLS/i);
      expect(remote.mails).toEqual([]);
      expect(remote.authAttempts).toBe(0);
    } finally {
      await remote.close();
    }
  });
});

describe('notify config', () => {
  const base = { agent: { name: 'a', dataDir: '.' }, cloud: { url: 'https://cloud.example', entity: 'store-7' } };

  it('refuses plain http to a non-loopback webhook and a password outside the keychain', () => {
    const http = AgentConfigSchema.safeParse({ ...base, notify: { webhook: { url: 'http://hooks.example.com/x' } } });
    expect(http.success).toBe(false);
    expect(JSON.stringify(http.error?.issues)).toContain('must be https, or http only for a loopback host');
    const inline = AgentConfigSchema.safeParse({
      ...base,
      notify: { email: { host: 'smtp.example.com', from: 'a@example.com', to: ['b@example.com'], username: 'a', password: 'secret' } },
    });
    expect(inline.success).toBe(false);
  });

  it('refuses a /metrics host that is not loopback, and defaults it to 127.0.0.1', () => {
    const open = AgentConfigSchema.safeParse({ ...base, metrics: { port: 9464, host: '0.0.0.0' } });
    expect(open.success).toBe(false);
    expect(JSON.stringify(open.error?.issues)).toContain('must be a loopback address');
    expect(AgentConfigSchema.parse({ ...base, metrics: { port: 9464 } }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('fills the defaults', () => {
    const parsed = AgentConfigSchema.parse({
      ...base,
      notify: { webhook: { url: 'https://hooks.example.com/x' }, email: { host: 'smtp.example.com', from: 'a@example.com', to: ['b@example.com'] } },
    });
    expect(parsed.notify).toEqual({
      webhook: { url: 'https://hooks.example.com/x', minSeverity: 'warning' },
      email: { host: 'smtp.example.com', port: 587, secure: false, from: 'a@example.com', to: ['b@example.com'], minSeverity: 'warning' },
      repeatAfterMins: 240,
    });
  });
});
