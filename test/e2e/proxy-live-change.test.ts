/**
 * A proxy change on a running agent, without a restart (issue 12 item 4): a real agent process
 * enrolls and delivers through CONNECT proxy A; an admin switches `cloud.proxy` to B (Basic
 * authentication) through the settings route with a wrong password in the keychain: delivery halts
 * with an alert that names the setting. With the right password stored through the credential
 * route and the settings saved again, the next records go through B and nothing more through A.
 * Tunnels are counted at each proxy, and the agent's pid is the same throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readControlFileSync } from '../../agents/control/control-file.ts';
import { CONTROL_API_PREFIX } from '../../agents/control/control-protocol.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

const PROXY_B_PASSWORD = 'proxy-B-pa55-e2e';
let dir: string;
let dataDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let proxyA: ConnectProxy;
let proxyB: ConnectProxy;
let configFile: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-proxy-live-'));
  dataDir = path.join(dir, 'data');
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  proxyA = await startConnectProxy();
  proxyB = await startConnectProxy({ basic: { username: 'office-agent', password: PROXY_B_PASSWORD } });
  db = createSqliteFile('proxylive');
  await db.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    INSERT INTO invoices VALUES (1, '12.50'), (2, '99.99');`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Proxy live', dataDir: 'data' },
    cloud: {
      url: sandbox.url,
      entity: 'store-1',
      heartbeatIntervalSecs: 1,
      retryBaseMs: 50,
      retryMaxMs: 500,
      proxy: { mode: 'manual', url: proxyA.url },
    },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        intervalSecs: 1,
        streams: [{ name: 'invoices', table: 'invoices', keyColumns: ['id'], cursorColumn: 'id' }],
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await proxyA?.close();
  await proxyB?.close();
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function control(method: 'PUT', route: string, body: unknown): Promise<{ status: number; text: string }> {
  const file = readControlFileSync(dataDir)!;
  const response = await fetch(`http://127.0.0.1:${file.port}${CONTROL_API_PREFIX}${route}`, {
    method,
    headers: { authorization: `Bearer ${file.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function get(route: string): Promise<string> {
  const file = readControlFileSync(dataDir)!;
  const response = await fetch(`http://127.0.0.1:${file.port}${CONTROL_API_PREFIX}${route}`, {
    headers: { authorization: `Bearer ${file.token}` },
  });
  return response.text();
}

describe('proxy change on a running agent', () => {
  it('goes through proxy A, then through proxy B after the settings change, without a restart', async () => {
    const key = (await admin.createEnrollmentKey({ key: 'proxy-live-enrollment-KEY', entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], {
      input: key,
    });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    // Enrollment went the way delivery goes.
    expect(proxyA.tunnels.length).toBeGreaterThan(0);

    agent = startAgentProcess(configFile);
    await waitFor(
      'both invoices in the cloud through proxy A',
      async () => (await admin.counts()).recordsAccepted === 2,
      {
        describe: () => agent!.output(),
      },
    );
    const pid = agent.child.pid;
    expect(proxyB.tunnels).toEqual([]);

    // First with a wrong password: proxy B answers 407, delivery halts with an alert naming the setting.
    const wrong = await control('PUT', '/settings/secrets/cloud%2Fproxy-b-password', { value: 'not-the-password' });
    expect(wrong.status, wrong.text).toBe(200);
    const proxyB1 = {
      mode: 'manual',
      url: proxyB.url,
      username: 'office-agent',
      password: { secretRef: 'cloud/proxy-b-password' },
    };
    const changed = await control('PUT', '/settings', { cloud: { proxy: proxyB1 } });
    expect(changed.status, changed.text).toBe(200);
    const tunnelsThroughA = proxyA.tunnels.length;
    await db.exec(`INSERT INTO invoices VALUES (3, '1.00');`);
    let alertText = '';
    await waitFor(
      'the halt alert about the proxy login',
      async () => {
        alertText = await get('/alerts');
        return alertText.includes('delivery_halted') && alertText.includes('refused the user name');
      },
      { describe: () => `${alertText}\n${agent!.output()}` },
    );
    expect(alertText).toContain('cloud.proxy.username');
    expect(alertText).not.toContain('not-the-password');
    expect(proxyB.refused).toBeGreaterThan(0);
    expect((await admin.counts()).recordsAccepted).toBe(2);

    // The right password, and the settings saved again (a cloud change retries at once).
    const secret = await control('PUT', '/settings/secrets/cloud%2Fproxy-b-password', { value: PROXY_B_PASSWORD });
    expect(secret.status, secret.text).toBe(200);
    const refusedBefore = proxyB.refused;
    const saved = await control('PUT', '/settings', { cloud: { proxy: { ...proxyB1, noProxy: ['example.invalid'] } } });
    expect(saved.status, saved.text).toBe(200);

    await waitFor(
      'the third invoice in the cloud through proxy B',
      async () => (await admin.counts()).recordsAccepted === 3,
      {
        describe: () =>
          `A: ${proxyA.tunnels.length}, B: ${proxyB.tunnels.length}, B refused: ${proxyB.refused}\n${agent!.output()}`,
      },
    );
    expect(proxyB.tunnels.length).toBeGreaterThan(0);
    expect(proxyB.refused).toBe(refusedBefore);
    await waitFor('the halt alert to clear', async () => !(await get('/alerts')).includes('delivery_halted'));
    expect(proxyA.tunnels.length).toBe(tunnelsThroughA);
    expect(agent.child.pid).toBe(pid);
    expect(agent.child.exitCode).toBeNull();
    expect(agent.output()).not.toContain(PROXY_B_PASSWORD);
  }, 120_000);
});
