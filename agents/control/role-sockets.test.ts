import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlCall } from '../../test/helpers/control-http.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { recordingHandlers } from './control-fixtures.ts';
import { startControlServer, type ControlServer } from './control-server.ts';
import { groupId, roleSocketPath } from './role-sockets.ts';
import type { Role } from './roles.ts';

let dataDir: string;
let server: ControlServer | null = null;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tya-roles-'));
});
afterEach(async () => {
  await server?.close();
  server = null;
  await rm(dataDir, { recursive: true, force: true });
});

async function start(operatorGroup?: string): Promise<ControlServer> {
  server = await startControlServer({ port: 0, dataDir, handlers: recordingHandlers(), logger: createSilentLogger(), version: '0.1.0', rendererDir: null, operatorGroup });
  return server;
}

const on = (role: Role) => ({ socketPath: roleSocketPath(dataDir, role) });

/** This process's own group: one that exists everywhere the test runs. */
const ownGroup = readFileSync('/etc/group', 'utf8')
  .split('\n')
  .map((line) => line.split(':'))
  .find((fields) => Number(fields[2]) === process.getgid?.())?.[0];

describe('role sockets', () => {
  it('are made 0600, 0660 and 0666 in a data folder others may pass through (0711) but not read, and go away on close', async () => {
    await start(ownGroup);
    const modes = await Promise.all((['admin', 'operator', 'viewer'] as const).map(async (role) => (await stat(roleSocketPath(dataDir, role))).mode & 0o777));
    expect(modes).toEqual([0o600, 0o660, 0o666]);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o711);
    expect((await stat(join(dataDir, 'control.json'))).mode & 0o777).toBe(0o600);
    await server!.close();
    server = null;
    await expect(stat(roleSocketPath(dataDir, 'viewer'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('without control.operatorGroup, keep the operator socket to the agent’s user (0600): its primary group may be everyone’s', async () => {
    await start();
    expect((await stat(roleSocketPath(dataDir, 'operator'))).mode & 0o777).toBe(0o600);
  });

  it('give each caller the role of the socket it came through', async () => {
    await start();
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      const answer = await controlCall(on(role), { path: '/api/v1/session' });
      expect(answer.json, role).toEqual({ ok: true, value: { role, via: 'socket', csrfToken: null } });
    }
  });

  it('refuse a viewer and an operator admin work, and a viewer operator work, naming the role needed and how to get it', async () => {
    await start('tya-operators');
    const viewerSync = await controlCall(on('viewer'), { method: 'POST', path: '/api/v1/sync', body: {} });
    expect(viewerSync.status).toBe(403);
    expect(viewerSync.json.error?.code).toBe('forbidden_role');
    expect(viewerSync.json.error?.message).toMatch(/needs the operator role, and this caller is a viewer.*group "tya-operators"/);
    // The older route table (control-routes.ts) is held to the same rule.
    const legacyAck = await controlCall(on('viewer'), { method: 'POST', path: '/api/v1/alerts/ack', body: { codes: ['x'] } });
    expect([legacyAck.status, legacyAck.json.error?.code]).toEqual([403, 'forbidden_role']);
    for (const role of ['viewer', 'operator'] as const) {
      const settings = await controlCall(on(role), { method: 'PUT', path: '/api/v1/settings', body: { agentName: 'x' } });
      expect([settings.status, settings.json.error?.code], role).toEqual([403, 'forbidden_role']);
      expect(settings.json.error?.message).toMatch(/needs the admin role.*run it as the agent's user/);
    }
  });

  it('let an operator do operator work (sync now, retry dead letters) and an admin everything', async () => {
    await start();
    expect((await controlCall(on('operator'), { method: 'POST', path: '/api/v1/sync', body: {} })).json).toEqual({ ok: true, value: null });
    expect((await controlCall(on('operator'), { method: 'POST', path: '/api/v1/dlq/replay', body: { ids: [1] } })).status).toBe(200);
    // Admin work reaches the handler (503 here: this stand-in engine serves no dashboard routes).
    expect((await controlCall(on('admin'), { method: 'PUT', path: '/api/v1/settings', body: { agentName: 'x' } })).json.error?.code).toBe('dashboard_unavailable');
  });

  it('give a browser session the role of the socket that asked for its login link', async () => {
    const { port } = await start();
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const link = await controlCall(on(role), { method: 'POST', path: '/api/v1/ui/login-links', body: {} });
      const url = new URL((link.json.value as { url: string }).url);
      const login = await controlCall({ port }, { path: `${url.pathname}${url.search}` });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const session = await controlCall({ port }, { path: '/api/v1/session', headers: { cookie } });
      expect(session.json.value, role).toMatchObject({ role, via: 'session' });
      const csrf = (session.json.value as { csrfToken: string }).csrfToken;
      const sync = await controlCall({ port }, { method: 'POST', path: '/api/v1/sync', body: {}, headers: { cookie, 'x-csrf-token': csrf } });
      expect(sync.status, role).toBe(role === 'viewer' ? 403 : 200);
    }
  });
});

describe('role sockets for other users of this computer', () => {
  const asRoot = process.getuid?.() === 0;
  const mailGid = groupId('mail');

  /** Connects to each socket as user `nobody` (with `gid` as its group) and answers which ones let it in. */
  async function reachableAs(gid: number): Promise<Record<Role, string>> {
    // python3 (a Debian package the setup installs) rather than this Node: the probe runs as user
    // nobody, who cannot execute a Node inside a private checkout (CI clones into a 0700 folder).
    const script = [
      'import json, socket, sys',
      'out = {}',
      'for role, p in json.loads(sys.argv[1]).items():',
      '    s = socket.socket(socket.AF_UNIX)',
      '    try:',
      '        s.connect(p); out[role] = "connected"',
      '    except PermissionError: out[role] = "EACCES"',
      '    except OSError as e: out[role] = type(e).__name__',
      '    finally: s.close()',
      'print(json.dumps(out))',
    ].join('\n');
    const paths = { admin: roleSocketPath(dataDir, 'admin'), operator: roleSocketPath(dataDir, 'operator'), viewer: roleSocketPath(dataDir, 'viewer') };
    const child = spawn('python3', ['-c', script, JSON.stringify(paths)], { uid: 65534, gid, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await once(child, 'exit');
    return JSON.parse(text) as Record<Role, string>;
  }

  it('let every user reach the viewer socket, the operator group the operator socket, and only the agent’s user the admin socket', async (context) => {
    if (!asRoot || mailGid === null) {
      console.log('Skipped: needs root (to run a probe as user nobody) and a "mail" group to stand in for the operator group.');
      context.skip();
    }
    await writeFile(join(dataDir, 'outbox.db'), 'private', { mode: 0o600 });
    await start('mail');
    expect((await stat(roleSocketPath(dataDir, 'operator'))).gid).toBe(mailGid);
    expect(await reachableAs(65534)).toEqual({ admin: 'EACCES', operator: 'EACCES', viewer: 'connected' });
    expect(await reachableAs(mailGid!)).toEqual({ admin: 'EACCES', operator: 'connected', viewer: 'connected' });
  });
});

describe('groupId', () => {
  it('reads a group’s number from a group file, null for none', async () => {
    const file = join(dataDir, 'group');
    await writeFile(file, 'root:x:0:\ntya-operators:x:1234:alice,bob\n');
    expect(groupId('tya-operators', file)).toBe(1234);
    expect(groupId('tya', file)).toBeNull();
    expect(groupId('x', join(dataDir, 'missing'))).toBeNull();
  });
});
