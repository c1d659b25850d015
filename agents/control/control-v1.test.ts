/**
 * The /api/v1 route table over real HTTP: roles declared and enforced, the OpenAPI document
 * generated from the same table, browser sessions from one-time links (cookie + CSRF), live events,
 * and the built dashboard served with a strict CSP.
 */
import { nodeHttp } from '../pipeline/node-http.ts';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStatusSchema, LiveEventSchema } from '../api/index.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { recordingHandlers } from './control-fixtures.ts';
import { ControlFileSchema } from './control-protocol.ts';
import { startControlServer, type ControlServer } from './control-server.ts';
import { buildOpenApi } from './openapi.ts';
import { roleAllows, ROLES } from './roles.ts';
import { pathParameterNames } from './route-table.ts';
import { SESSION_COOKIE } from './session-store.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function call(server: ControlServer, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request({ host: '127.0.0.1', port: server.port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let dataDir: string;
let rendererDir: string;
let server: ControlServer;
let token: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tya-control-v1-'));
  rendererDir = await mkdtemp(join(tmpdir(), 'tya-renderer-'));
  await mkdir(join(rendererDir, 'assets'));
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>TYA</title><div id="root"></div>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  server = await startControlServer({ port: 0, dataDir, handlers: recordingHandlers(), logger: createSilentLogger(), version: '0.1.0', rendererDir });
  token = ControlFileSchema.parse(JSON.parse(await readFile(join(dataDir, 'control.json'), 'utf8'))).token;
});

afterEach(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(rendererDir, { recursive: true, force: true });
});

const bearer = () => ({ authorization: `Bearer ${token}` });

async function login(): Promise<{ cookie: string; csrf: string; link: string }> {
  const made = await call(server, { method: 'POST', path: '/api/v1/ui/login-links', headers: bearer() });
  expect(made.status, made.text).toBe(200);
  const link = (JSON.parse(made.text) as { value: { url: string } }).value.url;
  const url = new URL(link);
  expect(url.origin).toBe(server.url);
  const opened = await call(server, { path: url.pathname + url.search });
  expect(opened.status).toBe(303);
  expect(opened.headers.location).toBe('/');
  const setCookie = String(opened.headers['set-cookie']);
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const cookie = /^([^;]+)/.exec(setCookie)![1]!;
  const session = await call(server, { path: '/api/v1/session', headers: { cookie } });
  const csrf = (JSON.parse(session.text) as { value: { csrfToken: string; via: string } }).value;
  expect(csrf.via).toBe('session');
  return { cookie, csrf: csrf.csrfToken, link };
}

describe('the role table', () => {
  it('ranks viewer < operator < admin', () => {
    expect(ROLES.map((held) => ROLES.filter((required) => roleAllows(held, required)))).toEqual([
      ['viewer'],
      ['viewer', 'operator'],
      ['viewer', 'operator', 'admin'],
    ]);
  });

  it('declares a role on every route; reading is viewer, changing data operator or admin, configuration admin', () => {
    for (const route of server.routes) {
      expect(ROLES, `${route.method} ${route.path}`).toContain(route.role);
      if (route.method === 'GET') expect(route.role, route.path).not.toBe('operator');
      // A login link changes nothing: it gives a browser the caller's own role, never more.
      else if (route.path !== '/ui/login-links') expect(route.role, `${route.method} ${route.path}`).not.toBe('viewer');
      if (/^\/(sources($|\/\{name\}$|\/(test|discover|preview)$)|settings)/.test(route.path) && route.method !== 'GET') {
        expect(route.role, `${route.method} ${route.path}`).toBe('admin');
      }
    }
    const byKey = new Map(server.routes.map((r) => [`${r.method} ${r.path}`, r.role]));
    expect(byKey.get('POST /dlq/replay')).toBe('operator');
    expect(byKey.get('POST /alerts/{code}/ack')).toBe('operator');
    expect(byKey.get('PUT /settings/secrets/{ref}')).toBe('admin');
    expect(byKey.get('GET /diagnostics')).toBe('admin');
  });

  it('has an input schema for every route, covering every path parameter', () => {
    for (const route of server.routes) {
      expect(route.input, route.path).toBeDefined();
      const shape = (route.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      expect(Object.keys(shape).sort(), `${route.method} ${route.path}`).toEqual(pathParameterNames(route.path).sort());
    }
  });
});

describe('the OpenAPI document', () => {
  it('is served at /api/v1/openapi.json and lists exactly the routes of the table, with their roles', async () => {
    const res = await call(server, { path: '/api/v1/openapi.json', headers: bearer() });
    expect(res.status).toBe(200);
    const doc = (JSON.parse(res.text) as { value: { openapi: string; paths: Record<string, Record<string, { 'x-role': string; parameters?: unknown[]; requestBody?: unknown }>> } }).value;
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const routed = [...server.routes.map((r) => `${r.method} /api/v1${r.path}`), 'GET /api/v1/openapi.json'].sort();
    expect(documented).toEqual(routed);
    for (const route of server.routes) {
      const op = doc.paths[`/api/v1${route.path}`]![route.method.toLowerCase()]!;
      expect(op['x-role'], route.path).toBe(route.role);
      if (route.method === 'POST' || route.method === 'PUT') expect(op.requestBody, route.path).toBeDefined();
    }
    // Generated, not written: a schema's field shows up with its constraint.
    const preview = doc.paths['/api/v1/sources/preview']!.post!.requestBody as { content: { 'application/json': { schema: { properties: Record<string, { maximum?: number }> } } } };
    expect(preview.content['application/json'].schema.properties.rows!.maximum).toBe(100);
    expect(JSON.stringify(buildOpenApi(server.routes, '0.1.0'))).toBe(JSON.stringify(doc));
  });

  it('every route the server answers is in the table: an undeclared path is 404', async () => {
    const res = await call(server, { path: '/api/v1/not-a-route', headers: bearer() });
    expect(res.status).toBe(404);
  });
});

describe('browser sessions', () => {
  it('a one-time link gives an HttpOnly SameSite=Strict session; the second use of the link is refused', async () => {
    const { cookie, link } = await login();
    const url = new URL(link);
    const again = await call(server, { path: url.pathname + url.search });
    expect(again.status).toBe(403);
    expect(again.text).toMatch(/already used/);
    expect(again.headers['set-cookie']).toBeUndefined();
    const status = await call(server, { path: '/api/v1/status', headers: { cookie } });
    expect(AgentStatusSchema.parse((JSON.parse(status.text) as { value: unknown }).value).agent.name).toBe('office-1');
  });

  it('refuses a request without the session cookie, or with a made-up one', async () => {
    for (const headers of [{}, { cookie: `${SESSION_COOKIE}=made-up` }, { cookie: 'other=1' }] as Array<Record<string, string>>) {
      const res = await call(server, { path: '/api/v1/status', headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
    }
  });

  it('a change from a session needs the CSRF token; a session cannot make login links', async () => {
    const { cookie, csrf } = await login();
    const json = { cookie, 'content-type': 'application/json' };
    const without = await call(server, { method: 'POST', path: '/api/v1/sync', headers: json, body: '{}' });
    expect([without.status, without.text]).toEqual([403, expect.stringContaining('csrf_mismatch')]);
    const wrong = await call(server, { method: 'POST', path: '/api/v1/sync', headers: { ...json, 'x-csrf-token': `${csrf}x` }, body: '{}' });
    expect(wrong.status).toBe(403);
    const right = await call(server, { method: 'POST', path: '/api/v1/sync', headers: { ...json, 'x-csrf-token': csrf }, body: '{}' });
    expect(right.status).toBe(200);
    const link = await call(server, { method: 'POST', path: '/api/v1/ui/login-links', headers: { cookie, 'x-csrf-token': csrf } });
    expect([link.status, link.text]).toEqual([403, expect.stringContaining('token_required')]);
  });

  it('refuses a login link made for nobody', async () => {
    const res = await call(server, { path: '/ui/login?s=guessed' });
    expect(res.status).toBe(403);
  });
});

describe('live events', () => {
  it('streams the current status as server-sent events', async () => {
    const event = await new Promise<unknown>((resolve, reject) => {
      const req = nodeHttp.request({ host: '127.0.0.1', port: server.port, path: '/api/v1/events', headers: bearer() }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          const line = /^data: (.*)$/m.exec(text)?.[1];
          if (line !== undefined) {
            resolve(JSON.parse(line));
            req.destroy();
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    const parsed = LiveEventSchema.parse(event);
    expect(parsed.type === 'status' && parsed.status.queue.depth).toBe(3);
  });
});

describe('dashboard routes and files', () => {
  it('answers 503 for dashboard routes when the engine supplies no dashboard', async () => {
    const res = await call(server, { path: '/api/v1/sources', headers: bearer() });
    expect([res.status, res.text]).toEqual([503, expect.stringContaining('dashboard_unavailable')]);
  });

  it('serves the built dashboard with a strict CSP, falls back to index.html, and never leaves its folder', async () => {
    const index = await call(server, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.text).toContain('<div id="root">');
    expect(String(index.headers['content-security-policy'])).toMatch(/script-src 'self'/);
    expect(String(index.headers['content-security-policy'])).not.toMatch(/unsafe/);
    expect((await call(server, { path: '/queue' })).text).toContain('<div id="root">');
    expect((await call(server, { path: '/assets/app.js' })).headers['content-type']).toMatch(/javascript/);
    for (const path of ['/../control.json', '/%2e%2e/control.json', '/assets/missing.js', '/assets/..%2f..%2fcontrol.json']) {
      expect((await call(server, { path })).status, path).toBe(404);
    }
    // Dot segments are resolved by the URL parser before the file lookup: this is the app's own page.
    const escaped = await call(server, { path: '/%2e%2e/%2e%2e/etc/passwd' });
    expect(escaped.text).not.toContain('root:');
    expect(escaped.text).toContain('<div id="root">');
    expect((await call(server, { path: '/', headers: { host: 'evil.example' } })).status).toBe(403);
  });
});
