/**
 * `service notify-stopped` (the agent unit's OnFailure=): the agent's last error in words, through
 * a real webhook on loopback, the alert in the outbox for `status`, "resolved" once the agent runs
 * again, and nothing at all while it runs. Real outbox, real keychain, real log file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli-io.ts';
import { ExitCode } from '../exit-codes.ts';
import { Agent } from '../../engine/agent.ts';
import { parseConfigText } from '../../engine/load-config.ts';
import { startUnattended } from '../../engine/unattended.ts';
import { VaultSecretResolver } from '../../vault/index.ts';
import { startWebhookSink, type WebhookSink } from '../../../test/helpers/webhook-sink.ts';
import { lastLoggedError, notifyStoppedCommand, stoppedMessage } from './notify-stopped.ts';

let dir: string;
let hook: WebhookSink;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tya-stopped-'));
  hook = await startWebhookSink();
});

afterEach(async () => {
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});

function configFile(extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'agent.json');
  const text = JSON.stringify({
    agent: { name: `stopped-${process.pid}`, dataDir: 'data' },
    cloud: { url: 'http://127.0.0.1:9', entity: 'e' },
    notify: { webhook: { url: hook.url } },
    ...extra,
  });
  writeFileSync(file, text);
  return file;
}

function captureIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), err: (line) => lines.push(line), interactive: false };
}

const loadedFrom = (file: string) => parseConfigText(readFileSync(file, 'utf8'), file);

async function logAnError(file: string, message: string, cause: string): Promise<string> {
  const agent = Agent.open({ loaded: loadedFrom(file) });
  agent.logger.error({ err: new Error(cause) }, message);
  agent.logger.flush?.();
  const logFile = agent.layout.logFile;
  await agent.close();
  return logFile;
}

describe('service notify-stopped', () => {
  it("sends the agent's last error through the webhook, keeps it for status, and the channel hears 'resolved' when the agent runs again", async () => {
    const file = configFile();
    const logFile = await logAnError(file, 'Could not connect to pos-db.', 'password authentication failed for user "pos"');
    expect(lastLoggedError(logFile, Date.now() - 60_000)).toBe('Could not connect to pos-db. password authentication failed for user "pos"');
    expect(lastLoggedError(logFile, Date.now() + 60_000), 'an error older than the window is not why it stopped now').toBeNull();

    const io = captureIo();
    const env = { MONITOR_UNIT: 'tya-agent.service', MONITOR_SERVICE_RESULT: 'exit-code', MONITOR_EXIT_CODE: 'exited', MONITOR_EXIT_STATUS: '10' };
    expect(await notifyStoppedCommand({ config: file }, io, { env })).toBe(ExitCode.ok);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ code: 'agent_stopped', state: 'raised', severity: 'critical' });
    expect(hook.received[0]!.message).toBe(
      'The agent stopped and the service manager will not start it again (exit status 10: the cloud revoked this agent; enroll it again). ' +
        'Nothing is read or sent until it runs. Its last error: Could not connect to pos-db. password authentication failed for user "pos". ' +
        'Fix the cause, then run "systemctl restart tya-agent".',
    );

    // The agent runs again: its unattended part clears the condition and the webhook hears it resolved.
    const loaded = loadedFrom(file);
    const agent = Agent.open({ loaded });
    expect(agent.outbox.listAlerts().map((a) => a.code)).toContain('agent_stopped');
    const unattended = await startUnattended({
      config: () => loaded.config, status: () => agent.status(), outbox: agent.outbox,
      secrets: new VaultSecretResolver(agent.secretStore), logger: agent.logger, now: () => Date.now(),
    });
    try {
      const deadline = Date.now() + 10_000;
      while (hook.received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hook.received.map((n) => `${n.code}:${n.state}`)).toEqual(['agent_stopped:raised', 'agent_stopped:resolved']);
      expect(agent.outbox.listAlerts().map((a) => a.code)).not.toContain('agent_stopped');
    } finally {
      await unattended.stop();
      await agent.close();
    }
  }, 30_000);

  it('says so and exits 3 when the webhook cannot be told within its time, keeping the alert for status', async () => {
    const file = configFile();
    hook.status = 503;
    const io = captureIo();
    expect(await notifyStoppedCommand({ config: file }, io, { env: { MONITOR_SERVICE_RESULT: 'start-limit-hit' }, deliverForMs: 1_500 })).toBe(ExitCode.incomplete);
    expect(io.lines.join('\n')).toContain('Could not send it by webhook');
    const agent = Agent.open({ loaded: loadedFrom(file) });
    try {
      expect(agent.outbox.listAlerts().find((a) => a.code === 'agent_stopped')?.message).toMatch(/it failed 5 times within 10 minutes.*no error of the last minutes/);
    } finally {
      await agent.close();
    }
  });

  it('reports nothing while the agent runs (restarted by hand meanwhile)', async () => {
    const file = configFile();
    const running = Agent.open({ loaded: loadedFrom(file), lockAs: 'run' });
    try {
      const io = captureIo();
      expect(await notifyStoppedCommand({ config: file }, io, { env: {} })).toBe(ExitCode.ok);
      expect(io.lines).toEqual(['The agent is running again: nothing to report.']);
      expect(hook.received).toEqual([]);
      expect(running.outbox.listAlerts().map((a) => a.code)).not.toContain('agent_stopped');
    } finally {
      await running.close();
    }
  });

  it('still tells the channels when the config the agent stopped on is broken outside the alert sections, and says what is wrong', async () => {
    // What a hand edit or a deployment tool leaves: a source without its DSN, a misspelt cloud key, a bad log level.
    const file = configFile({
      cloud: { url: 'http://127.0.0.1:9', entity: 'e', timeoutMS: 5000 },
      logging: { level: 'verbose' },
      sources: [{ name: 'pos', type: 'odbc', streams: [] }],
    });
    expect(() => loadedFrom(file), 'the agent itself refuses this config').toThrow(/not a valid agent configuration/);
    const io = captureIo();
    const env = { MONITOR_UNIT: 'tya-agent.service', MONITOR_SERVICE_RESULT: 'exit-code', MONITOR_EXIT_CODE: 'exited', MONITOR_EXIT_STATUS: '4' };
    expect(await notifyStoppedCommand({ config: file }, io, { env })).toBe(ExitCode.ok);
    expect(hook.received).toHaveLength(1);
    const message = hook.received[0]!.message;
    expect(message).toContain('(exit status 4: the configuration is not valid)');
    expect(message).toContain(`Its configuration does not load: ${file} is not a valid agent configuration: `);
    expect(message).toMatch(/cloud: unknown key "timeoutMS" \(did you mean "timeoutMs"\?\)/);
    expect(message).toMatch(/logging\.level: /);
    expect(message).toMatch(/sources\[0\]/);
    expect(message).toMatch(/sources\[0\]\.streams: Too small: expected array to have >=1 items\. Fix the cause/);
    expect(message).not.toContain('\n');
    expect(message).toMatch(/Fix the cause, then run "systemctl restart tya-agent"\.$/);

    // The alert is kept where the agent will find it once the config is mended.
    writeFileSync(file, JSON.stringify({ agent: { name: 'mended', dataDir: 'data' }, cloud: { url: 'http://127.0.0.1:9', entity: 'e' } }));
    const agent = Agent.open({ loaded: loadedFrom(file) });
    try {
      expect(agent.outbox.listAlerts().find((a) => a.code === 'agent_stopped')?.message).toBe(message);
    } finally {
      await agent.close();
    }
  });

  it('fails as the agent did (config invalid) when the broken part is where the alert is kept or sent', async () => {
    for (const broken of [{ notify: { webhook: { url: 'not a url' } } }, { agent: { name: 'x' } }, { vault: { backend: 'sticky-note' } }]) {
      const file = configFile(broken);
      await expect(notifyStoppedCommand({ config: file }, captureIo(), { env: {} }), JSON.stringify(broken)).rejects.toMatchObject({ code: 'config_invalid' });
    }
    writeFileSync(path.join(dir, 'agent.json'), '{ "agent": ');
    await expect(notifyStoppedCommand({ config: path.join(dir, 'agent.json') }, captureIo(), { env: {} })).rejects.toThrow(/not valid JSON/);
    expect(hook.received).toEqual([]);
  });

  it('names a signal, and a unit of another name, in the words', () => {
    expect(stoppedMessage({ MONITOR_UNIT: 'tya-agent-store7.service', MONITOR_EXIT_CODE: 'killed', MONITOR_EXIT_STATUS: 'KILL' }, { lastError: null })).toMatch(
      /\(ended by signal KILL\)\..*journalctl -u tya-agent-store7.*systemctl restart tya-agent-store7/,
    );
  });
});
