import { nodeHttp } from '../pipeline/node-http.ts';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStatusSchema } from '../api/index.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { ControlFileSchema } from './control-protocol.ts';
import { startControlServer } from './control-server.ts';
import type { ControlServer } from './control-server.ts';
import { SAMPLE_STATUS, recordingHandlers } from './control-fixtures.ts';

interface RawResponse {
  status: number;
  json: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

function raw(
  server: ControlServer,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as RawResponse['json'] }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let dataDir: string;
let server: ControlServer;
let handlers: ReturnType<typeof recordingHandlers>;
let token: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tya-control-'));
  handlers = recordingHandlers();
  server = await startControlServer({ port: 0, dataDir, handlers, logger: createSilentLogger(), version: '0.1.0' });
  token = ControlFileSchema.parse(JSON.parse(await readFile(join(dataDir, 'control.json'), 'utf8'))).token;
});
afterEach(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

function authed(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

describe('control.json', () => {
  it('is written 0600 with port, token, pid and version, and removed on close', async () => {
    const file = join(dataDir, 'control.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const content = ControlFileSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(content).toMatchObject({ port: server.port, pid: process.pid, version: '0.1.0' });
    expect(Buffer.from(content.token, 'base64url')).toHaveLength(32);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    await server.close();
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('replaces a world-readable leftover with a 0600 file', async () => {
    await server.close();
    const file = join(dataDir, 'control.json');
    await writeFile(file, '{"stale":true}', { mode: 0o644 });
    server = await startControlServer({ port: 0, dataDir, handlers, logger: createSilentLogger(), version: '0.1.0' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(ControlFileSchema.parse(JSON.parse(await readFile(file, 'utf8'))).port).toBe(server.port);
  });
});

describe('request guard', () => {
  it('refuses a missing or wrong token with 401', async () => {
    const missing = await raw(server, { path: '/api/v1/status' });
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await raw(server, { path: '/api/v1/status', headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.status).toBe(401);
    const notBearer = await raw(server, { path: '/api/v1/status', headers: { authorization: `Basic ${token}` } });
    expect(notBearer.status).toBe(401);
  });

  it('refuses a foreign Host header even with the right token (DNS rebinding), and accepts loopback on any port (SSH tunnels)', async () => {
    for (const host of [`evil.example:${server.port}`, `127.0.0.2:${server.port}`, `localhost.evil.example`, `127.0.0.1.nip.io:${server.port}`]) {
      const res = await raw(server, { path: '/api/v1/status', headers: authed({ host }) });
      expect(res.status, host).toBe(403);
      expect(res.json, host).toMatchObject({ ok: false, error: { code: 'forbidden_host' } });
    }
    for (const host of [`localhost:${server.port}`, `[::1]:${server.port}`, '127.0.0.1:8080', 'localhost']) {
      expect((await raw(server, { path: '/api/v1/status', headers: authed({ host }) })).status, host).toBe(200);
    }
  });

  it('refuses a foreign or opaque Origin and accepts its own', async () => {
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${server.port}`,
      'null',
      `https://127.0.0.1:${server.port}`,
      'http://127.0.0.1:8080',
    ]) {
      const res = await raw(server, { path: '/api/v1/status', headers: authed({ origin }) });
      expect(res.status, origin).toBe(403);
      expect(res.json.error?.code, origin).toBe('forbidden_origin');
    }
    const own = await raw(server, { path: '/api/v1/status', headers: authed({ origin: server.url }) });
    expect(own.status).toBe(200);
  });
});

describe('routes', () => {
  it('serves a status that parses with AgentStatusSchema', async () => {
    const res = await raw(server, { path: '/api/v1/status', headers: authed() });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
    expect(AgentStatusSchema.parse(res.json.value)).toEqual(SAMPLE_STATUS);
  });

  it('parses bodies and queries before calling the handlers', async () => {
    const json = authed({ 'content-type': 'application/json' });
    expect((await raw(server, { method: 'POST', path: '/api/v1/sync', headers: authed() })).json).toEqual({
      ok: true,
      value: null,
    });
    await raw(server, { method: 'POST', path: '/api/v1/sync', headers: json, body: '{"source":"erp"}' });
    expect((await raw(server, { path: '/api/v1/dlq?limit=5', headers: authed() })).json.value).toHaveLength(1);
    await raw(server, { path: '/api/v1/dlq', headers: authed() });
    const replay = await raw(server, {
      method: 'POST',
      path: '/api/v1/dlq/replay',
      headers: json,
      body: '{"ids":[3,4]}',
    });
    expect(replay.json).toEqual({ ok: true, value: 2 });
    const discard = await raw(server, {
      method: 'POST',
      path: '/api/v1/dlq/discard',
      headers: json,
      body: '{"ids":"all"}',
    });
    expect(discard.json).toEqual({ ok: true, value: 9 });
    expect(handlers.calls).toEqual([
      ['syncNow', undefined],
      ['syncNow', 'erp'],
      ['listDeadLetters', 5],
      ['listDeadLetters', 100],
      ['replay', [3, 4]],
      ['discard', 'all'],
    ]);
  });

  it('answers bad input with 400/415 and never reaches the handler', async () => {
    const json = authed({ 'content-type': 'application/json' });
    const cases = [
      { method: 'POST', path: '/api/v1/sync', body: '{"source":5}', status: 400, code: 'invalid_request' },
      { method: 'POST', path: '/api/v1/dlq/replay', body: '{"ids":[1.5]}', status: 400, code: 'invalid_request' },
      { method: 'POST', path: '/api/v1/dlq/replay', body: '{"ids":"some"}', status: 400, code: 'invalid_request' },
      { method: 'POST', path: '/api/v1/dlq/discard', body: '{ids', status: 400, code: 'invalid_json' },
      { method: 'GET', path: '/api/v1/dlq?limit=0', status: 400, code: 'invalid_request' },
    ];
    for (const c of cases) {
      const res = await raw(server, { method: c.method, path: c.path, headers: json, body: c.body });
      expect([res.status, res.json.error?.code], c.path + (c.body ?? '')).toEqual([c.status, c.code]);
    }
    const plain = await raw(server, {
      method: 'POST',
      path: '/api/v1/sync',
      headers: authed({ 'content-type': 'text/plain' }),
      body: '{}',
    });
    expect(plain.status).toBe(415);
    expect(handlers.calls).toEqual([]);
  });

  it('refuses a body larger than 64 KiB with 413', async () => {
    const body = JSON.stringify({ ids: 'all', padding: 'x'.repeat(70_000) });
    const res = await raw(server, {
      method: 'POST',
      path: '/api/v1/dlq/replay',
      headers: authed({ 'content-type': 'application/json' }),
      body,
    });
    expect([res.status, res.json.error?.code]).toEqual([413, 'body_too_large']);
    expect(handlers.calls).toEqual([]);
  });

  it('answers unknown routes with 404 JSON and wrong methods with 405', async () => {
    for (const path of ['/api/v1/nope', '/api/v2/status']) {
      const res = await raw(server, { path, headers: authed() });
      expect(res.status, path).toBe(404);
      expect(res.json).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect((await raw(server, { method: 'DELETE', path: '/api/v1/status', headers: authed() })).status).toBe(405);
  });

  it('passes an expected handler failure through and hides a bug behind internal_error', async () => {
    const json = authed({ 'content-type': 'application/json' });
    const expected = await raw(server, {
      method: 'POST',
      path: '/api/v1/sync',
      headers: json,
      body: '{"source":"missing"}',
    });
    expect(expected.status).toBe(409);
    expect(expected.json.error).toEqual({ code: 'unknown_source', message: 'No source is named "missing".' });
    const bug = await raw(server, { method: 'POST', path: '/api/v1/dlq/discard', headers: json, body: '{"ids":[13]}' });
    expect(bug.status).toBe(500);
    expect(bug.json.error?.code).toBe('internal_error');
    expect(bug.json.error?.message).not.toContain('internal details');
  });
});
