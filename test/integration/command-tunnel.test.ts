/**
 * The agent's WebSocket tunnel (agents/delivery/tunnel.ts) against the real sandbox on loopback:
 * commands through the shared executor and ledger, acks on the socket, status pushed, 4001 → a fresh
 * token, forged commands refused, reconnect with backoff after the cloud restarts, a dead peer found
 * by its missing pong, and an injected HTTP agent used to connect.
 * (It lives here rather than beside tunnel.ts because agents/ may not import the sandbox.)
 */
import { Agent as HttpAgent } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { CloudCommand, CommandAck } from '../../agents/api/cloud.ts';
import {
  CloudSignatureVerifier,
  CommandExecutor,
  CommandLedger,
  CommandTunnel,
  type HeartbeatSummary,
  type TunnelOptions,
  type TunnelState,
} from '../../agents/delivery/index.ts';
import { systemClock, type Clock } from '../../agents/pipeline/clock.ts';
import { createSilentLogger } from '../../agents/telemetry/logger.ts';
import { harness, runDeliveryCleanups, VERSION, type Harness } from '../helpers/delivery-harness.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await runDeliveryCleanups();
});

interface Rig {
  h: Harness;
  tunnel: CommandTunnel;
  ran: CloudCommand[];
  states: TunnelState[];
  undelivered: CommandAck[];
  sleeps: number[];
  status: { depth: number };
}

async function rig(options: Partial<TunnelOptions> = {}, h?: Harness): Promise<Rig> {
  const cloud = h ?? (await harness());
  const client = cloud.client();
  const ran: CloudCommand[] = [];
  const states: TunnelState[] = [];
  const undelivered: CommandAck[] = [];
  const sleeps: number[] = [];
  const status = { depth: 0 };
  const clock: Clock = {
    now: () => Date.now(),
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return systemClock.sleep(ms, signal);
    },
  };
  const executor = new CommandExecutor({
    ledger: new CommandLedger(cloud.outbox),
    verifier: new CloudSignatureVerifier(cloud.enrollment.cloudKey!),
    onCommand: (command) => {
      ran.push(command);
      return Promise.resolve({ ok: true, result: { ran: command.name } });
    },
    alerts: cloud.outbox,
    logger: createSilentLogger(),
  });
  const summary = (): HeartbeatSummary => ({
    version: VERSION,
    uptimeSecs: 1,
    sentAt: new Date().toISOString(),
    channel: tunnel.state.channel,
    queue: { depth: status.depth, oldestAgeSecs: null, deadLetters: 0 },
    sources: [],
    alerts: [],
    auditHead: null,
  });
  const tunnel: CommandTunnel = new CommandTunnel({
    baseUrl: cloud.sandbox.url,
    agentId: cloud.enrollment.agentId,
    agentVersion: VERSION,
    tokens: { fetchToken: () => client.fetchToken(), invalidateToken: (token) => client.invalidateToken(token) },
    execute: (command) => executor.execute(command, 'websocket'),
    buildStatus: summary,
    onUndeliveredAck: (ack) => undelivered.push(ack),
    onState: (state) => states.push(state),
    clock,
    random: () => 0.999,
    logger: createSilentLogger(),
    statusCheckMs: 50,
    backoff: { baseMs: 50, capMs: 400 },
    ...options,
  });
  cleanups.push(() => tunnel.stop());
  return { h: cloud, tunnel, ran, states, undelivered, sleeps, status };
}

const agentIdOf = (r: Rig) => r.h.enrollment.agentId;
const tunnelOpens = async (r: Rig) =>
  (await r.h.admin.counts()).requests['GET /v1/agents/{agentId}/tunnel']?.['101'] ?? 0;

/** The heartbeat of an idle agent with no acks to carry: it collects the commands queued for it. */
function idleBeat(channel: 'websocket' | 'heartbeat'): HeartbeatSummary & { acks: CommandAck[] } {
  return {
    version: VERSION,
    uptimeSecs: 1,
    sentAt: new Date().toISOString(),
    channel,
    queue: { depth: 0, oldestAgeSecs: null, deadLetters: 0 },
    sources: [],
    alerts: [],
    auditHead: null,
    acks: [],
  };
}

describe('the command tunnel', () => {
  it('runs a command from the tunnel within a second, acks it on the socket and pushes the status on change', async () => {
    const r = await rig();
    r.tunnel.start();
    await expect.poll(() => r.tunnel.state.channel).toBe('websocket');
    const started = performance.now();
    const { id, sentOnTunnel } = await r.h.admin.sendCommand(agentIdOf(r), 'sync-now', { source: 'pos-db' });
    await expect.poll(async () => (await r.h.admin.acks(agentIdOf(r))).length, { interval: 10 }).toBe(1);
    const elapsedMs = performance.now() - started;
    console.log(`tunnel: sync-now acknowledged ${elapsedMs.toFixed(0)} ms after the admin send`);
    expect(sentOnTunnel).toBe(true);
    expect(elapsedMs).toBeLessThan(1000);
    const [ack] = await r.h.admin.acks(agentIdOf(r));
    expect([ack?.commandId, ack?.channel, ack?.ok, ack?.ack.result]).toEqual([id, 'tunnel', true, { ran: 'sync-now' }]);
    expect(r.ran.map((c) => c.id)).toEqual([id]);

    await expect.poll(async () => (await r.h.admin.tunnels()).tunnels[0]?.lastStatus?.body.channel).toBe('websocket');
    r.status.depth = 42;
    await expect
      .poll(async () => (await r.h.admin.tunnels()).tunnels[0]?.lastStatus?.body.queue)
      .toEqual({ depth: 42, oldestAgeSecs: null, deadLetters: 0 });
  });

  it('refuses an unsigned or forged command with an alert, does not run it, and acks the refusal', async () => {
    const r = await rig();
    r.tunnel.start();
    await expect.poll(() => r.tunnel.state.channel).toBe('websocket');
    const unsigned = await r.h.admin.sendCommand(agentIdOf(r), 'pause', {}, { signature: 'missing' });
    const forged = await r.h.admin.sendCommand(agentIdOf(r), 'revoke', {}, { signature: 'invalid' });
    await expect.poll(async () => (await r.h.admin.acks(agentIdOf(r))).length).toBe(2);
    const acks = await r.h.admin.acks(agentIdOf(r));
    expect(acks.map((a) => [a.commandId, a.ok, (a.ack.error as { code: string }).code])).toEqual([
      [unsigned.id, false, 'unsigned'],
      [forged.id, false, 'bad_cloud_signature'],
    ]);
    expect(r.ran).toEqual([]);
    expect(r.h.outbox.listAlerts().map((a) => a.code)).toContain('command_signature_refused');
  });

  it('runs a command once when it arrives on both channels (the ledger is shared with the heartbeat)', async () => {
    const r = await rig();
    r.tunnel.start();
    await expect.poll(() => r.tunnel.state.channel).toBe('websocket');
    const { id } = await r.h.admin.sendCommand(agentIdOf(r), 'resume', {}, { channels: 'both' });
    await expect.poll(() => r.ran.length).toBe(1);
    // The same command again, as the heartbeat hands it over: the ledger says it already ran.
    const client = r.h.client();
    const answer = await client.heartbeat(idleBeat('websocket'));
    expect(answer.commands.map((c) => c.id)).toEqual([id]);
    const executor = new CommandExecutor({
      ledger: new CommandLedger(r.h.outbox),
      verifier: new CloudSignatureVerifier(r.h.enrollment.cloudKey!),
      onCommand: () => Promise.reject(new Error('must not run twice')),
      alerts: r.h.outbox,
      logger: createSilentLogger(),
    });
    expect(await executor.execute(answer.commands[0]!, 'heartbeat')).toBeUndefined();
    expect(r.ran.map((c) => c.id)).toEqual([id]);
  });

  it('acks a command that arrives again while it still runs with the result of that run, not "already executed"', async () => {
    const r = await rig();
    await r.h.admin.sendCommand(agentIdOf(r), 'run-export', { name: 'ledger' });
    const answer = await r.h.client().heartbeat(idleBeat('heartbeat'));
    const command = answer.commands[0]!;
    let finish: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    let runs = 0;
    const executor = new CommandExecutor({
      ledger: new CommandLedger(r.h.outbox),
      verifier: new CloudSignatureVerifier(r.h.enrollment.cloudKey!),
      onCommand: async () => {
        runs += 1;
        await gate;
        return { ok: true, result: { rows: 3002 } };
      },
      alerts: r.h.outbox,
      logger: createSilentLogger(),
    });
    const first = executor.execute(command, 'websocket');
    // The same command on the other channel while the export runs: no answer before the run ends.
    let secondDone = false;
    const second = executor.execute(command, 'heartbeat').finally(() => (secondDone = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(secondDone).toBe(false);
    finish!();
    expect(await first).toEqual({ ok: true, result: { rows: 3002 } });
    expect(await second).toEqual({ ok: true, result: { rows: 3002 } });
    expect(runs).toBe(1);
    // Once it has ended, a later arrival is acknowledged as already executed.
    expect(await executor.execute(command, 'heartbeat')).toBeUndefined();
  });

  it('comes back with a fresh token when the cloud closes the tunnel with 4001', async () => {
    const r = await rig();
    r.tunnel.start();
    await expect.poll(() => r.tunnel.state.channel).toBe('websocket');
    const tokensBefore = (await r.h.admin.counts()).requests['POST /v1/oauth/token']?.['200'] ?? 0;
    // The cloud's clock jumps past the token's life: it closes the tunnel with 4001.
    await r.h.admin.setClockOffset(16 * 60_000);
    await expect.poll(() => tunnelOpens(r), { timeout: 5000 }).toBe(2);
    expect(r.states.some((s) => s.lastError?.code === 'tunnel_closed_4001')).toBe(true);
    expect((await r.h.admin.counts()).requests['POST /v1/oauth/token']?.['200']).toBe(tokensBefore + 1);
    await expect.poll(() => r.tunnel.state.channel).toBe('websocket');
    // No backoff wait between the 4001 and the reconnect.
    expect(r.sleeps).toEqual([]);
  });

  it('reconnects with growing, jittered waits while the cloud is down, and takes over again when it is back', async () => {
    const r = await rig();
    r.tunnel.start();
    await expect.poll(() => r.tunnel.state.channel).toBe('websocket');
    await r.h.stopCloud();
    await expect.poll(() => r.tunnel.state.channel).toBe('heartbeat');
    await expect.poll(() => r.sleeps.length, { timeout: 5000 }).toBeGreaterThanOrEqual(4);
    expect(r.tunnel.state.lastError?.code).toMatch(/tunnel_unreachable|tunnel_closed_1006/);
    await r.h.startCloud();
    await expect.poll(() => r.tunnel.state.channel, { timeout: 5000 }).toBe('websocket');
    const waits = r.sleeps;
    console.log(`tunnel: reconnect waits while the cloud was down: ${waits.join(', ')} ms`);
    // random 0.999 picks the top of each full-jitter window: 2^n · 50 ms, capped at 400 ms.
    expect(waits.slice(0, 4)).toEqual([99, 199, 399, 399]);
    const { id } = await r.h.admin.sendCommand(agentIdOf(r), 'sync-now');
    await expect.poll(() => r.ran.map((c) => c.id)).toEqual([id]);
  });

  it('falls back to the heartbeat while upgrades are refused, says why, and takes over when they pass again', async () => {
    const r = await rig();
    await r.h.admin.setRefuseUpgrades(true);
    r.tunnel.start();
    await expect.poll(() => r.tunnel.state.lastError?.code).toBe('upgrade_refused');
    expect(r.tunnel.state.channel).toBe('heartbeat');
    expect(r.tunnel.state.lastError?.message).toMatch(/refused \(403\)/);
    await r.h.admin.setRefuseUpgrades(false);
    await expect.poll(() => r.tunnel.state.channel, { timeout: 5000 }).toBe('websocket');
    expect(r.tunnel.state.lastError).toBeNull();
  });

  it('takes a peer that stops answering pings for dead and reconnects', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise((resolve) => server.once('listening', resolve));
    const connections: number[] = [];
    server.on('connection', () => connections.push(Date.now()));
    const h = await harness();
    const port = (server.address() as { port: number }).port;
    const r = await rig({ baseUrl: `http://127.0.0.1:${port}`, pingIntervalMs: 100 }, h);
    r.tunnel.start();
    await expect.poll(() => connections.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    // Opened, one ping unanswered, terminated at the next ping (~200 ms), reconnected.
    expect(connections[1]! - connections[0]!).toBeGreaterThanOrEqual(190);
    expect(r.states.some((s) => s.lastError?.code === 'tunnel_closed_1006')).toBe(true);
  });

  it('keeps a healthy tunnel open across pings, and connects through the HTTP agent it is given', async () => {
    let connectionsMade = 0;
    class CountingAgent extends HttpAgent {
      override createConnection(...args: Parameters<HttpAgent['createConnection']>): Socket {
        connectionsMade += 1;
        return super.createConnection(...args) as Socket;
      }
    }
    const agent = new CountingAgent();
    cleanups.push(() => agent.destroy());
    const r = await rig({ pingIntervalMs: 50, agent });
    r.tunnel.start();
    await expect.poll(() => r.tunnel.state.channel).toBe('websocket');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await tunnelOpens(r)).toBe(1);
    expect(r.tunnel.state.channel).toBe('websocket');
    expect(connectionsMade).toBe(1);
  });
});
