/**
 * The tunnel client against small real servers on loopback, for what the sandbox does not do: a
 * proxy's non-JSON refusal, a cloud that sends junk, a socket that dies while a command runs, and
 * the status sent only when it changes. Against the sandbox itself: test/integration/command-tunnel.test.ts.
 */
import type { Server } from 'node:http';
import { nodeHttp } from '../pipeline/node-http.ts';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CloudCommand, CommandAck } from '../api/cloud.ts';
import { systemClock } from '../pipeline/clock.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import type { CommandResult } from './command-executor.ts';
import type { HeartbeatSummary } from './heartbeat.ts';
import { CommandTunnel, type TunnelOptions } from './tunnel.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A cloud that accepts every tunnel and hands each socket to the test. */
async function fakeCloud(): Promise<{ url: string; sockets: WebSocket[]; received: unknown[] }> {
  const server = nodeHttp.createServer();
  const wss = new WebSocketServer({ server });
  const sockets: WebSocket[] = [];
  const received: unknown[] = [];
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => received.push(JSON.parse((data as Buffer).toString('utf8'))));
  });
  cleanups.push(() => {
    for (const socket of sockets) socket.terminate();
  });
  return { url: await listen(server), sockets, received };
}

const summary = (depth: number): HeartbeatSummary => ({
  version: '1.4.0',
  uptimeSecs: Math.random() * 100,
  sentAt: new Date().toISOString(),
  channel: 'websocket',
  queue: { depth, oldestAgeSecs: null, deadLetters: 0 },
  sources: [],
  alerts: [],
  auditHead: null,
});

function tunnel(baseUrl: string, options: Partial<TunnelOptions> = {}): CommandTunnel {
  const t = new CommandTunnel({
    baseUrl,
    agentId: 'ag_1',
    agentVersion: '1.4.0',
    tokens: { fetchToken: () => Promise.resolve('tok'), invalidateToken: () => {} },
    execute: () => Promise.resolve({ ok: true }),
    buildStatus: () => summary(0),
    onUndeliveredAck: () => {},
    clock: systemClock,
    logger: createSilentLogger(),
    statusCheckMs: 20,
    backoff: { baseMs: 20, capMs: 100 },
    ...options,
  });
  cleanups.push(() => t.stop());
  return t;
}

describe('CommandTunnel', () => {
  it('sends the status when it changes, not when only its clock fields do', async () => {
    const cloud = await fakeCloud();
    let depth = 1;
    const t = tunnel(cloud.url, { buildStatus: () => summary(depth) });
    t.start();
    await expect.poll(() => cloud.received.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(cloud.received).toHaveLength(1);
    depth = 2;
    await expect.poll(() => cloud.received.length).toBe(2);
    expect(cloud.received[1]).toMatchObject({ type: 'status', queue: { depth: 2 } });
  });

  it('ignores what is not a command, and acks a command on the socket', async () => {
    const cloud = await fakeCloud();
    const ran: CloudCommand[] = [];
    const t = tunnel(cloud.url, {
      buildStatus: () => {
        throw new Error('no status in this test');
      },
      execute: (command) => {
        ran.push(command);
        return Promise.resolve({ ok: false, error: { code: 'unknown_source', message: 'No such source.' } });
      },
    });
    t.start();
    await expect.poll(() => cloud.sockets.length).toBe(1);
    const socket = cloud.sockets[0]!;
    socket.send('not json');
    socket.send(JSON.stringify({ type: 'hello' }));
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    socket.send(JSON.stringify({ type: 'command', id: 'cmd_1', name: 'pause', args: { source: 'x' }, sig: 'c2ln' }));
    await expect.poll(() => cloud.received).toEqual([
      { type: 'ack', id: 'cmd_1', ok: false, error: { code: 'unknown_source', message: 'No such source.' } },
    ]);
    expect(ran.map((c) => c.id)).toEqual(['cmd_1']);
    expect(t.state.channel).toBe('websocket');
  });

  it('hands the ack to the heartbeat when the socket died while the command ran', async () => {
    const cloud = await fakeCloud();
    const undelivered: CommandAck[] = [];
    let finish: (result: CommandResult) => void = () => {};
    const t = tunnel(cloud.url, {
      execute: () => new Promise((resolve) => (finish = resolve)),
      onUndeliveredAck: (ack) => undelivered.push(ack),
    });
    t.start();
    await expect.poll(() => cloud.sockets.length).toBe(1);
    cloud.sockets[0]!.send(JSON.stringify({ type: 'command', id: 'cmd_2', name: 'sync-now', args: {}, sig: 'c2ln' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    cloud.sockets[0]!.terminate();
    // Lost (and, with a 20 ms backoff, soon reopened: the ack still belongs to the dead socket).
    await expect.poll(() => cloud.sockets.length).toBe(2);
    finish({ ok: true, result: { done: 1 } });
    await expect.poll(() => undelivered).toEqual([{ type: 'ack', id: 'cmd_2', ok: true, result: { done: 1 } }]);
  });

  it('words a refusal that is not the cloud’s (a proxy page) by its HTTP status', async () => {
    const proxy = nodeHttp.createServer((_req, res) => res.end('plain'));
    proxy.on('upgrade', (_req, socket) => {
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 13\r\n\r\n<h1>nope</h1>');
    });
    const url = await listen(proxy);
    const t = tunnel(url);
    t.start();
    await expect.poll(() => t.state.lastError?.code).toBe('upgrade_refused_502');
    expect(t.state.channel).toBe('heartbeat');
    expect(t.state.lastError?.message).toMatch(/HTTP 502 \(a proxy that does not pass WebSocket upgrades\?\)/);
  });

  it('acks a command the ledger says already ran as already executed', async () => {
    const cloud = await fakeCloud();
    const t = tunnel(cloud.url, { execute: () => Promise.resolve(undefined), buildStatus: () => summary(0) });
    t.start();
    await expect.poll(() => cloud.sockets.length).toBe(1);
    cloud.sockets[0]!.send(JSON.stringify({ type: 'command', id: 'cmd_3', name: 'resume', args: {}, sig: 'c2ln' }));
    await expect
      .poll(() => cloud.received.filter((m) => (m as { type: string }).type === 'ack'))
      .toEqual([{ type: 'ack', id: 'cmd_3', ok: true, result: { alreadyExecuted: true } }]);
  });

  it('runs commands one after another, in the order they arrived', async () => {
    const cloud = await fakeCloud();
    const log: string[] = [];
    const t = tunnel(cloud.url, {
      execute: async (command) => {
        log.push(`start ${command.id}`);
        if (command.id === 'slow') await new Promise((resolve) => setTimeout(resolve, 100));
        log.push(`end ${command.id}`);
        return { ok: true };
      },
    });
    t.start();
    await expect.poll(() => cloud.sockets.length).toBe(1);
    for (const id of ['slow', 'quick']) {
      cloud.sockets[0]!.send(JSON.stringify({ type: 'command', id, name: 'sync-now', args: {}, sig: 'c2ln' }));
    }
    await expect.poll(() => log).toEqual(['start slow', 'end slow', 'start quick', 'end quick']);
  });

  it('stops promptly, even while waiting to reconnect', async () => {
    const t = tunnel('http://127.0.0.1:1', { backoff: { baseMs: 60_000, capMs: 60_000 } });
    t.start();
    await expect.poll(() => t.state.lastError?.code).toBe('tunnel_unreachable');
    const started = performance.now();
    await t.stop();
    expect(performance.now() - started).toBeLessThan(500);
  });
});
