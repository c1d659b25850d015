import Database from 'better-sqlite3';
import { createPublicKey, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HeartbeatResponseSchema, type CloudCommand } from '../agents/api/cloud.ts';
import { canonicalize } from './canonical-json.ts';
import { errorCode, startTestSandbox, TEST_AGENT_VERSION, TestAgent, type TestSandbox } from './sandbox-test-kit.ts';
import { startSandbox } from './server.ts';

let t: TestSandbox;
let agent: TestAgent;
const sockets: WebSocket[] = [];
beforeEach(async () => {
  t = await startTestSandbox();
  agent = await TestAgent.enroll(t.sandbox.url, t.admin);
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await t.cleanup();
});

/** A tunnel as a test sees it: every message received, and the close code once closed. */
interface TestTunnel {
  socket: WebSocket;
  messages: CloudCommand[];
  closed: Promise<{ code: number; reason: string }>;
  next(): Promise<CloudCommand>;
}

function tunnelUrl(a: TestAgent, agentId = a.credentials.agentId): string {
  return `${a.url.replace(/^http/, 'ws')}/v1/agents/${agentId}/tunnel`;
}

async function openTunnel(a: TestAgent, token = a.token): Promise<TestTunnel> {
  const socket = new WebSocket(tunnelUrl(a), {
    headers: { authorization: `Bearer ${token}`, 'tya-agent-version': TEST_AGENT_VERSION },
  });
  sockets.push(socket);
  const messages: CloudCommand[] = [];
  const waiting: Array<(command: CloudCommand) => void> = [];
  socket.on('message', (data) => {
    const command = JSON.parse((data as Buffer).toString('utf8')) as CloudCommand;
    const waiter = waiting.shift();
    if (waiter === undefined) messages.push(command);
    else waiter(command);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    closed,
    next: () => {
      const queued = messages.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** The HTTP status of a refused upgrade (ws reports it as 'unexpected-response'). */
async function refusedUpgrade(url: string, headers: Record<string, string>): Promise<{ status: number; code: string }> {
  const socket = new WebSocket(url, { headers: { 'tya-agent-version': TEST_AGENT_VERSION, ...headers } });
  return new Promise((resolve, reject) => {
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += String(chunk)));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { error: { code: string } }).error.code }),
      );
    });
    socket.on('error', () => {});
  });
}

function signedByCloud(command: CloudCommand, cloudKey: string): boolean {
  const { sig, ...unsigned } = command;
  if (sig === undefined) return false;
  const key = createPublicKey({ key: Buffer.from(cloudKey, 'base64'), format: 'der', type: 'spki' });
  return verify(null, Buffer.from(canonicalize(unsigned)), key, Buffer.from(sig, 'base64'));
}

const heartbeatBody = {
  version: TEST_AGENT_VERSION,
  uptimeSecs: 1,
  sentAt: '2026-11-29T15:01:49.123Z',
  channel: 'websocket' as const,
  queue: { depth: 0, oldestAgeSecs: null, deadLetters: 0 },
  sources: [],
  alerts: [],
  auditHead: null,
};
const heartbeat = (a: TestAgent, acks: unknown[] = []) =>
  a.postJson(`/v1/agents/${a.credentials.agentId}/heartbeat`, { ...heartbeatBody, acks });

describe('the WebSocket tunnel', () => {
  it('sends a queued command down the open tunnel at once, signed, and stores its ack with channel tunnel', async () => {
    const tunnel = await openTunnel(agent);
    const started = performance.now();
    const sent = await t.admin.sendCommand(agent.credentials.agentId, 'sync-now', { source: 'pos-db' });
    const command = await tunnel.next();
    const elapsedMs = performance.now() - started;
    console.log(`sandbox tunnel: admin send to command received in ${elapsedMs.toFixed(1)} ms`);
    expect(sent.sentOnTunnel).toBe(true);
    expect(command).toMatchObject({ type: 'command', id: sent.id, name: 'sync-now', args: { source: 'pos-db' } });
    expect(signedByCloud(command, agent.credentials.cloudKey)).toBe(true);
    expect(elapsedMs).toBeLessThan(1000);

    tunnel.socket.send(JSON.stringify({ type: 'ack', id: sent.id, ok: true, result: { queued: 3 } }));
    await expect
      .poll(async () =>
        (await t.admin.acks(agent.credentials.agentId)).map((a) => [a.commandId, a.channel, a.ack.result]),
      )
      .toEqual([[sent.id, 'tunnel', { queued: 3 }]]);
    // The heartbeat does not hand over what the open tunnel carried.
    const answer = HeartbeatResponseSchema.parse((await heartbeat(agent)).json);
    expect(answer.commands).toEqual([]);
    const [stored] = await t.admin.commands(agent.credentials.agentId);
    expect(stored?.id).toBe(sent.id);
    expect(stored?.deliveredAt).toBeNull();
    expect(stored?.tunnelDeliveredAt).not.toBeNull();
    expect((await t.admin.counts()).requests['GET /v1/agents/{agentId}/tunnel']).toEqual({ '101': 1 });
  });

  it('sends what was queued while the agent was away as soon as its tunnel opens', async () => {
    const { id } = await t.admin.sendCommand(agent.credentials.agentId, 'pause');
    const tunnel = await openTunnel(agent);
    expect((await tunnel.next()).id).toBe(id);
  });

  it('with channels "both", the command goes down the tunnel and again with the next heartbeat', async () => {
    const tunnel = await openTunnel(agent);
    const sent = await t.admin.sendCommand(agent.credentials.agentId, 'resume', {}, { channels: 'both' });
    expect((await tunnel.next()).id).toBe(sent.id);
    const answer = HeartbeatResponseSchema.parse((await heartbeat(agent)).json);
    expect(answer.commands.map((c) => c.id)).toEqual([sent.id]);
    expect(signedByCloud(answer.commands[0]!, agent.credentials.cloudKey)).toBe(true);
    expect(HeartbeatResponseSchema.parse((await heartbeat(agent)).json).commands).toEqual([]);
  });

  it('hands a command the tunnel took but nobody acknowledged to the heartbeat once the tunnel is gone', async () => {
    const tunnel = await openTunnel(agent);
    const sent = await t.admin.sendCommand(agent.credentials.agentId, 'sync-now');
    await tunnel.next();
    tunnel.socket.close();
    await tunnel.closed;
    await expect.poll(async () => (await t.admin.tunnels()).tunnels.length).toBe(0);
    const answer = HeartbeatResponseSchema.parse((await heartbeat(agent)).json);
    expect(answer.commands.map((c) => c.id)).toEqual([sent.id]);
  });

  it('keeps the last status message and lists the open tunnels', async () => {
    const tunnel = await openTunnel(agent);
    tunnel.socket.send(
      JSON.stringify({ type: 'status', ...heartbeatBody, queue: { depth: 1, oldestAgeSecs: 2, deadLetters: 0 } }),
    );
    tunnel.socket.send(
      JSON.stringify({ type: 'status', ...heartbeatBody, queue: { depth: 7, oldestAgeSecs: 9, deadLetters: 0 } }),
    );
    await expect
      .poll(async () => (await t.admin.tunnels()).tunnels[0]?.lastStatus?.body.queue)
      .toEqual({ depth: 7, oldestAgeSecs: 9, deadLetters: 0 });
    const { tunnels, refuseUpgrades } = await t.admin.tunnels();
    expect(refuseUpgrades).toBe(false);
    expect(tunnels).toEqual([expect.objectContaining({ agentId: agent.credentials.agentId, commandsSent: 0 })]);
    // Anything else is a protocol violation.
    tunnel.socket.send('{"type":"hello"}');
    expect((await tunnel.closed).code).toBe(1008);
  });

  it('refuses the upgrade like any call: no token, an unknown one, another agent, an expired one', async () => {
    const other = await TestAgent.enroll(t.sandbox.url, t.admin, 'other-agent');
    const none = await refusedUpgrade(tunnelUrl(agent), {});
    expect(none.status).toBe(401);
    const unknown = await refusedUpgrade(tunnelUrl(agent), { authorization: 'Bearer nope' });
    expect([unknown.status, unknown.code]).toEqual([401, 'invalid_token']);
    const mismatch = await refusedUpgrade(tunnelUrl(agent, other.credentials.agentId), {
      authorization: `Bearer ${agent.token}`,
    });
    expect([mismatch.status, mismatch.code]).toEqual([403, 'agent_mismatch']);
    await t.admin.setClockOffset(16 * 60_000);
    const expired = await refusedUpgrade(tunnelUrl(agent), { authorization: `Bearer ${agent.token}` });
    expect([expired.status, expired.code]).toEqual([401, 'token_expired']);
    await t.admin.setClockOffset(0);
    await t.admin.revokeAgent(other.credentials.agentId);
    const revoked = await refusedUpgrade(tunnelUrl(other), { authorization: `Bearer ${other.token}` });
    expect([revoked.status, revoked.code]).toEqual([401, 'agent_revoked']);
  });

  it('closes an open tunnel with 4001 when its token expires, and with 4003 when the agent is revoked', async () => {
    const tunnel = await openTunnel(agent);
    await t.admin.setClockOffset(16 * 60_000);
    expect(await tunnel.closed).toEqual({ code: 4001, reason: 'token expired' });
    await t.admin.setClockOffset(0);
    await agent.refreshToken();
    const again = await openTunnel(agent);
    await t.admin.revokeAgent(agent.credentials.agentId);
    expect((await again.closed).code).toBe(4003);
  });

  it('refuses upgrades (and drops open tunnels) while told to play a proxy that strips them', async () => {
    const tunnel = await openTunnel(agent);
    await t.admin.setRefuseUpgrades(true);
    expect((await tunnel.closed).code).toBe(1001);
    const refused = await refusedUpgrade(tunnelUrl(agent), { authorization: `Bearer ${agent.token}` });
    expect([refused.status, refused.code]).toEqual([403, 'upgrade_refused']);
    const { id } = await t.admin.sendCommand(agent.credentials.agentId, 'sync-now');
    expect(HeartbeatResponseSchema.parse((await heartbeat(agent)).json).commands.map((c) => c.id)).toEqual([id]);
    await heartbeat(agent, [{ type: 'ack', id, ok: true }]);
    expect(await t.admin.acks(agent.credentials.agentId)).toEqual([
      expect.objectContaining({ commandId: id, channel: 'heartbeat' }),
    ]);
    await t.admin.setRefuseUpgrades(false);
    await openTunnel(agent);
    expect((await t.admin.tunnels()).tunnels).toHaveLength(1);
  });

  it('cuts open tunnels when it stops, and a schema-2 database is migrated on start', async () => {
    const tunnel = await openTunnel(agent);
    await t.sandbox.close();
    expect((await tunnel.closed).code).toBe(1006);
    const db = new Database(t.dbPath);
    db.exec(`ALTER TABLE commands DROP COLUMN tunnel_delivered_at; ALTER TABLE commands DROP COLUMN both_channels;
             DROP TABLE tunnel_status;`);
    db.pragma('user_version = 2');
    db.prepare(
      "INSERT INTO commands (id, agent_id, name, args_json, signature, queued_at) VALUES ('cmd_old', ?, 'pause', '{}', 'valid', ?)",
    ).run(agent.credentials.agentId, new Date().toISOString());
    db.close();
    const port = Number(new URL(t.sandbox.url).port);
    const restarted = await startSandbox({ dbPath: t.dbPath, port });
    try {
      const tunnelAgain = await openTunnel(agent);
      expect((await tunnelAgain.next()).id).toBe('cmd_old');
      const [old] = await t.admin.commands();
      expect([old?.id, old?.bothChannels, old?.tunnelDeliveredAt === null]).toEqual(['cmd_old', false, false]);
    } finally {
      for (const socket of sockets.splice(0)) socket.terminate();
      await restarted.close();
    }
  });
});

describe('errorCode on refused upgrades', () => {
  it('a plain GET on the tunnel path is not an endpoint', async () => {
    const answer = await agent.call('GET', `/v1/agents/${agent.credentials.agentId}/tunnel`);
    expect([answer.status, errorCode(answer)]).toEqual([404, 'not_found']);
  });
});
