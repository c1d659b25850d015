import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlBackend } from './control-backend.ts';
import { ADMIN_SOCKET_FILE, controlEndpoint } from './control-endpoint.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(process.platform === 'win32')('the tray’s way to the agent', () => {
  it('is the admin socket when this user may use it, without a token; else the token in control.json; else none', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tya-tray-'));
    dirs.push(dataDir);
    expect(controlEndpoint(dataDir)).toBeNull();
    writeFileSync(path.join(dataDir, 'control.json'), JSON.stringify({ port: 4321, token: 't0k' }));
    expect(controlEndpoint(dataDir)).toEqual({ url: 'http://127.0.0.1:4321', token: 't0k' });

    const seen: Array<{ path?: string; authorization?: string }> = [];
    const agent = createServer((request, response) => {
      seen.push({ path: request.url, authorization: request.headers.authorization });
      response.end(JSON.stringify({ ok: true, value: { role: 'admin', via: 'socket', csrfToken: null } }));
    });
    const socketPath = path.join(dataDir, ADMIN_SOCKET_FILE);
    await new Promise<void>((resolve) => agent.listen(socketPath, resolve));
    try {
      expect(controlEndpoint(dataDir)).toEqual({ socketPath });
      const backend = controlBackend(() => controlEndpoint(dataDir));
      expect(await backend.getSession()).toEqual({ ok: true, value: { role: 'admin', via: 'socket', csrfToken: null } });
      expect(seen).toEqual([{ path: '/api/v1/session', authorization: undefined }]);
    } finally {
      agent.close();
    }
  });
});
