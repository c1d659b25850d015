import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IPC_CONTRACT, type InvokeMethod } from '../../preload/contract.ts';
import { controlBackend } from './control-backend.ts';
import { isTrustedSender, registerIpcHandlers, type IpcSenderInfo } from './ipc-handlers.ts';

const INDEX = 'file:///opt/tya/resources/app.asar/dist/renderer/index.html';

function fakeIpc() {
  const handlers = new Map<string, (event: IpcSenderInfo, ...args: unknown[]) => Promise<unknown>>();
  return { handlers, handle: (channel: string, listener: (event: IpcSenderInfo, ...args: unknown[]) => Promise<unknown>) => void handlers.set(channel, listener) };
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A stand-in control API that records what it was asked. */
async function recordingControlApi(): Promise<{ url: string; requests: Array<{ method: string; path: string; auth: string; body: string }> }> {
  const requests: Array<{ method: string; path: string; auth: string; body: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, path: req.url!, auth: req.headers.authorization ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, value: 7 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('isTrustedSender', () => {
  it('accepts only the dashboard page itself', () => {
    expect(isTrustedSender(`${INDEX}#/queue`, INDEX)).toBe(true);
    for (const url of [undefined, 'https://evil.example/', 'file:///tmp/evil.html', 'http://127.0.0.1:8080/', 'not a url']) {
      expect(isTrustedSender(url, INDEX), String(url)).toBe(false);
    }
  });
});

describe('registerIpcHandlers', () => {
  it('registers one handler per contract method on its own channel', async () => {
    const ipc = fakeIpc();
    const api = await recordingControlApi();
    const methods = registerIpcHandlers(ipc, controlBackend(() => ({ url: api.url, token: 't' })), INDEX);
    expect(methods.sort()).toEqual((Object.keys(IPC_CONTRACT) as InvokeMethod[]).sort());
    expect([...ipc.handlers.keys()].sort()).toEqual(Object.values(IPC_CONTRACT).map((c) => c.channel).sort());
    expect(new Set(ipc.handlers.keys()).size).toBe(methods.length);
  });

  it('refuses a foreign sender and bad arguments before the agent is asked', async () => {
    const ipc = fakeIpc();
    const api = await recordingControlApi();
    registerIpcHandlers(ipc, controlBackend(() => ({ url: api.url, token: 't' })), INDEX);
    const retry = ipc.handlers.get(IPC_CONTRACT.retryDeadLetters.channel)!;
    expect(await retry({ frameUrl: 'https://evil.example/' }, 'all')).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(await retry({ frameUrl: INDEX }, 'some')).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await retry({ frameUrl: INDEX }, [1.5])).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await ipc.handlers.get(IPC_CONTRACT.saveSource.channel)!({ frameUrl: INDEX }, { config: {}, extra: 1 })).toMatchObject({ ok: false });
    expect(api.requests).toEqual([]);
  });

  it('passes a valid call to the control API with the token, mapped like the browser transport', async () => {
    const ipc = fakeIpc();
    const api = await recordingControlApi();
    registerIpcHandlers(ipc, controlBackend(() => ({ url: api.url, token: 'secret-token' })), INDEX);
    expect(await ipc.handlers.get(IPC_CONTRACT.retryDeadLetters.channel)!({ frameUrl: INDEX }, [3, 4])).toEqual({ ok: true, value: 7 });
    await ipc.handlers.get(IPC_CONTRACT.setSecret.channel)!({ frameUrl: INDEX }, 'sources/shop/password', 'pw');
    await ipc.handlers.get(IPC_CONTRACT.listActivity.channel)!({ frameUrl: INDEX }, { kind: 'file' });
    expect(api.requests).toEqual([
      { method: 'POST', path: '/api/v1/dlq/replay', auth: 'Bearer secret-token', body: '{"ids":[3,4]}' },
      { method: 'PUT', path: '/api/v1/settings/secrets/sources%2Fshop%2Fpassword', auth: 'Bearer secret-token', body: '{"value":"pw"}' },
      { method: 'GET', path: '/api/v1/activity?kind=file', auth: 'Bearer secret-token', body: '' },
    ]);
  });

  it('says the agent is not running when there is no control.json', async () => {
    const ipc = fakeIpc();
    registerIpcHandlers(ipc, controlBackend(() => null), INDEX);
    expect(await ipc.handlers.get(IPC_CONTRACT.getStatus.channel)!({ frameUrl: INDEX })).toMatchObject({ ok: false, error: { code: 'agent_not_running' } });
  });
});
