/**
 * The command tunnel over real processes (issue 12 item 1): a real `tya-agent run` holds a WebSocket
 * to the real sandbox; `sync-now`, `pause` and `resume` are acknowledged within a second of the
 * admin send; a command sent on both channels runs once; `collect-diagnostics` uploads the support
 * bundle; the tunnel comes back after the sandbox restarts on the same port and data; and while
 * upgrades are refused (a proxy that strips them) the heartbeat carries commands and acks and
 * `status` says so.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import type { StoredAck } from '../../sandbox/inspection-schemas.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

let dir: string;
let sandbox: Sandbox;
let port: number;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess;
let agentId: string;

const openSandbox = (atPort: number) =>
  startSandbox({ port: atPort, dbPath: path.join(dir, 'sandbox.db'), filesDir: path.join(dir, 'files') });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-tunnel-'));
  sandbox = await openSandbox(0);
  port = Number(new URL(sandbox.url).port);
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('tunnel');
  await db.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    INSERT INTO invoices VALUES (1, '10.00'), (2, '20.50');`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Tunnel', dataDir: 'data' },
    // A heartbeat every 2 s: the fallback is quick to see, and still too slow to explain a sub-second ack.
    cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 2 },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        intervalSecs: 60,
        streams: [{ name: 'invoices', table: 'invoices', keyColumns: ['id'], cursorColumn: 'id' }],
      },
    ],
  });
  const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
  agentId = (await admin.agents())[0]!.agentId;
  agent = startAgentProcess(configFile);
  await waitFor('the tunnel to open', async () => (await admin.tunnels()).tunnels.length === 1, {
    describe: () => agent.output(),
  });
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return JSON.parse(result.stdout) as AgentStatus;
}

async function acksOf(id: string): Promise<StoredAck[]> {
  return (await admin.acks(agentId)).filter((a) => a.commandId === id);
}

/** Sends a command and waits (polling every 5 ms) for its first ack; returns it with the time it took. */
async function sendAndTime(
  name: string,
  args: Record<string, unknown> = {},
  timeoutMs = 10_000,
): Promise<{ id: string; ms: number; ack: StoredAck }> {
  const started = performance.now();
  const { id } = await admin.sendCommand(agentId, name, args);
  await waitFor(`the ack of ${name}`, async () => (await acksOf(id)).length > 0, {
    intervalMs: 5,
    timeoutMs,
    describe: () => agent.output().slice(-3000),
  });
  const ms = performance.now() - started;
  return { id, ms, ack: (await acksOf(id))[0]! };
}

/** The agent's log lines that say it ran command `id` (data/logs/agent.log). */
const ranLines = (id: string) =>
  readFileSync(path.join(dir, 'data', 'logs', 'agent.log'), 'utf8')
    .split('\n')
    .filter((line) => line.includes(`Ran the cloud's command`) && line.includes(id));

const lastHeartbeatChannel = async () => (await admin.heartbeats()).at(-1)?.body.channel;

describe('the command tunnel, end to end', () => {
  it('acknowledges sync-now, pause and resume over the tunnel within a second of the admin send', async () => {
    expect((await status()).cloud.commandChannel).toBe('websocket');
    const human = await runCli(['status', '--config', configFile]);
    expect(human.stdout).toMatch(/Commands:\s+by WebSocket tunnel/);
    await waitFor('a heartbeat that names the tunnel', async () => (await lastHeartbeatChannel()) === 'websocket');

    for (const [name, args] of [
      ['sync-now', {}],
      ['pause', { source: 'erp' }],
      ['resume', { source: 'erp' }],
    ] as const) {
      const { ms, ack } = await sendAndTime(name, args);
      console.log(`e2e tunnel: ${name} acknowledged ${ms.toFixed(0)} ms after the admin send (channel ${ack.channel})`);
      expect([ack.channel, ack.ok]).toEqual(['tunnel', true]);
      expect(ms).toBeLessThan(1000);
      if (name === 'pause') expect((await status()).sources[0]?.state).toBe('paused');
    }
    expect((await status()).sources[0]?.state).not.toBe('paused');
  });

  it('runs a command sent on both channels once: the heartbeat copy is acknowledged as already executed', async () => {
    const { id, sentOnTunnel } = await admin.sendCommand(agentId, 'sync-now', {}, { channels: 'both' });
    expect(sentOnTunnel).toBe(true);
    await waitFor('acks from both channels', async () => (await acksOf(id)).length === 2, {
      describe: () => agent.output().slice(-3000),
    });
    const acks = await acksOf(id);
    expect(acks.map((a) => [a.channel, a.ok]).sort()).toEqual([
      ['heartbeat', true],
      ['tunnel', true],
    ]);
    expect(acks.find((a) => a.channel === 'heartbeat')?.ack.result).toEqual({ alreadyExecuted: true });
    expect(ranLines(id)).toHaveLength(1);
  });

  it('uploads the redacted support bundle for collect-diagnostics and acks its sha256 and size', async () => {
    const { ack } = await sendAndTime('collect-diagnostics', {}, 30_000);
    expect(ack.ok, JSON.stringify(ack.ack)).toBe(true);
    const result = ack.ack.result as { sha256: string; bytes: number; name: string };
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    const held = (await admin.files()).find((f) => f.sha256 === result.sha256);
    expect(held?.bytes).toBe(result.bytes);
    expect(held?.contentType).toBe('application/zip');
    const bytes = await admin.fileContent(result.sha256, 'store-1');
    expect(bytes.length).toBe(result.bytes);
    // A zip (local file header), as the support bundle is.
    expect(bytes.subarray(0, 4).toString('hex')).toBe('504b0304');
  });

  it('reopens the tunnel after the sandbox restarts on the same port and data', async () => {
    await sandbox.close();
    await waitFor(
      'status to say heartbeat while the cloud is away',
      async () => (await status()).cloud.commandChannel === 'heartbeat',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    sandbox = await openSandbox(port);
    const restarted = performance.now();
    await waitFor('the tunnel to come back', async () => (await admin.tunnels()).tunnels.length === 1, {
      timeoutMs: 30_000,
      describe: () => agent.output().slice(-3000),
    });
    console.log(`e2e tunnel: reopened ${(performance.now() - restarted).toFixed(0)} ms after the sandbox restarted`);
    const { ms, ack } = await sendAndTime('sync-now');
    expect([ack.channel, ack.ok]).toEqual(['tunnel', true]);
    expect(ms).toBeLessThan(1000);
    await waitFor('status to say websocket again', async () => (await status()).cloud.commandChannel === 'websocket');
  });

  it('falls back to the heartbeat for commands and acks while a proxy refuses upgrades, and status says so', async () => {
    await admin.setRefuseUpgrades(true);
    await waitFor('status to say heartbeat', async () => (await status()).cloud.commandChannel === 'heartbeat', {
      describe: async () => JSON.stringify((await status()).cloud),
    });
    const { ms, ack } = await sendAndTime('pause', { source: 'erp' });
    console.log(`e2e tunnel: with upgrades refused, pause acknowledged by heartbeat after ${ms.toFixed(0)} ms`);
    expect([ack.channel, ack.ok]).toEqual(['heartbeat', true]);
    expect((await status()).sources[0]?.state).toBe('paused');
    await sendAndTime('resume', { source: 'erp' });
    await waitFor(
      'a heartbeat that names itself the channel',
      async () => (await lastHeartbeatChannel()) === 'heartbeat',
    );
    const cloud = (await status()).cloud;
    expect(cloud.tunnelError?.code).toBe('upgrade_refused');
    const human = await runCli(['status', '--config', configFile]);
    expect(human.stdout).toMatch(/Commands:\s+by heartbeat .*refused \(403\)/);
    expect((await admin.tunnels()).tunnels).toEqual([]);
  });

  it("brings the cloud's Deprecation and Sunset headers to the operator as an alert", async () => {
    await admin.setDeprecation({ deprecation: '@1798761600', sunset: 'Fri, 01 Jan 2027 00:00:00 GMT' });
    await waitFor(
      'the deprecation alert',
      async () => (await status()).alerts.some((a) => a.code === 'cloud_deprecation'),
      {
        describe: async () => JSON.stringify((await status()).alerts),
      },
    );
    const alert = (await status()).alerts.find((a) => a.code === 'cloud_deprecation')!;
    expect(alert.message).toMatch(/deprecated and will stop being accepted on Fri, 01 Jan 2027/);
    const human = await runCli(['status', '--config', configFile]);
    expect(human.stdout).toMatch(/deprecated/);
  });
});
