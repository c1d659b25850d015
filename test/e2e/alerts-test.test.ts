/**
 * `tya-agent alerts test` as an IT admin runs it: real CLI processes, a real webhook receiver, a real
 * SMTP server checking the password kept in the keychain, a syslog port nobody listens on, and the
 * dashboard's route on the running agent. Without the agent it sends from the command; with it,
 * through the agent. The SMTP password appears in no output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertChannelTest } from '../../agents/api/notify-config.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { freePort } from '../helpers/free-port.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startWebhookSink, type WebhookSink } from '../helpers/webhook-sink.ts';

const SMTP_PASSWORD = 'smtp-secret-Pw83Lq2';

let dir: string;
let sandbox: Sandbox;
let hook: WebhookSink;
let smtp: SmtpSink;
let agent: AgentProcess | undefined;
let deadPort: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-alerts-test-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  hook = await startWebhookSink();
  smtp = await startSmtpSink({ user: 'agent@example.test', pass: SMTP_PASSWORD });
  deadPort = await freePort();
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await hook?.close();
  await smtp?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, notify: Record<string, unknown> | undefined): string {
  return writeAgentConfig(path.join(dir, name), {
    agent: { name: 'Store 7', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-7' },
    ...(notify === undefined ? {} : { notify }),
  });
}

const email = () => ({
  host: '127.0.0.1', port: smtp.port, from: 'agent@example.test', to: ['it@example.test'],
  username: 'agent@example.test', password: { secretRef: 'smtp/password' }, minSeverity: 'critical',
});

describe('tya-agent alerts test', () => {
  it('tells each channel apart, from the command and then through the running agent, and never prints the password', async () => {
    const good = config('agent.json', { webhook: { url: hook.url }, email: email() });
    const withDeadSyslog = config('dead-syslog.json', { webhook: { url: hook.url }, email: email(), syslog: { type: 'tcp', host: '127.0.0.1', port: deadPort } });
    const without = config('no-notify.json', undefined);
    expect((await runCli(['secret', 'set', 'smtp/password', '--config', good], { input: SMTP_PASSWORD })).code).toBe(0);

    const none = await runCli(['alerts', 'test', '--config', without]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('No alert channel is configured');

    const offline = await runCli(['alerts', 'test', '--config', withDeadSyslog]);
    expect(offline.code, offline.stderr).toBe(3);
    expect(offline.stdout).toContain('The agent is not running, so this command sent them itself');
    expect(offline.stdout).toMatch(/✓ webhook \(http:\/\/127\.0\.0\.1:\d+; all alerts\): accepted in \d+ ms/);
    expect(offline.stdout).toMatch(/✓ email \(it@example\.test via 127\.0\.0\.1:\d+; critical alerts only\): accepted/);
    expect(offline.stdout).toMatch(/✗ syslog \(TCP 127\.0\.0\.1:\d+, facility daemon; all alerts\): .*ECONNREFUSED.*Check notify\.syslog/);
    expect(hook.received.map((n) => [n.code, n.severity])).toEqual([['test_notification', 'warning']]);
    expect(smtp.mails.map((m) => m.user)).toEqual(['agent@example.test']);

    const { key } = await new SandboxAdmin(sandbox.url).createEnrollmentKey({ entities: ['store-7'] });
    expect((await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', good], { input: key })).code).toBe(0);
    agent = startAgentProcess(good);
    await waitFor('the running agent', async () => (await runCli(['status', '--config', good])).code === 0, { describe: () => agent!.output() });

    const online = await runCli(['alerts', 'test', '--config', good]);
    expect(online.code, online.stderr).toBe(0);
    expect(online.stdout).toContain('Sent by the running agent, one test notice per channel:');
    const json = await runCli(['alerts', 'test', '--json', '--config', good]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as AlertChannelTest[]).map((r) => [r.channel, r.ok, r.error])).toEqual([['webhook', true, null], ['email', true, null]]);
    expect(hook.received).toHaveLength(3);
    expect(smtp.mails).toHaveLength(3);

    // Only the mail: the webhook (a pager, say) is left alone; a channel not set up is refused by name.
    const mailOnly = await runCli(['alerts', 'test', '--channel', 'email', '--config', good]);
    expect(mailOnly.code, mailOnly.stderr).toBe(0);
    expect(mailOnly.stdout).not.toContain('webhook (');
    expect(hook.received).toHaveLength(3);
    expect(smtp.mails).toHaveLength(4);
    const notSetUp = await runCli(['alerts', 'test', '--channel', 'syslog', '--config', good]);
    expect(notSetUp.code).not.toBe(0);
    expect(notSetUp.stderr).toContain('Not configured: syslog (configured: webhook, email).');
    expect((await runCli(['alerts', 'test', '--channel', 'pager', '--config', good])).stderr).toContain('No such alert channel: pager.');

    for (const output of [none, offline, online, json]) expect(output.stdout + output.stderr).not.toContain(SMTP_PASSWORD);
  }, 90_000);
});
