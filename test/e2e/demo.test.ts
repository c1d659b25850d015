/**
 * The README's demo command, run for real for a few seconds: sample POS database over ODBC → agent
 * → sandbox cloud. Its page must show arriving records while it runs, and it must stop cleanly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { CLI_ENTRY, waitFor } from '../helpers/agent-process.ts';
import { defaultRendererDir } from '../../agents/control/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('tya-agent demo', () => {
  it('moves POS data to the sandbox cloud while it runs and stops by itself', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI_ENTRY, 'demo', '--dir', dir, '--port', String(port), '--duration-secs', '14'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await waitFor('the demo to start', () => output.includes('The demo is running'), { timeoutMs: 30_000, describe: () => output });
    const url = `http://127.0.0.1:${port}`;
    expect(output).toContain(`Sandbox cloud (open in a browser): ${url}/`);
    const admin = new SandboxAdmin(url);
    await waitFor('receipts in the cloud', async () => {
      const counts = await admin.counts();
      return (counts.streams.find((s) => s.stream === 'receipts')?.records ?? 0) >= 100;
    }, { timeoutMs: 20_000, describe: () => output });
    await waitFor('closed shifts as documents', async () => {
      const counts = await admin.counts();
      return (counts.streams.find((s) => s.stream === 'shift_close')?.records ?? 0) >= 1;
    }, { timeoutMs: 10_000, describe: () => output });
    await expectDashboardLink(output);
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toMatch(/receipts/);
    expect(page).toMatch(/pos-db/);

    expect(await exited).toBe(0);
    expect(output).toMatch(/Till: \d new receipt/);
    expect(output).toContain('Stopping the demo');
  }, 90_000);
});

/** The demo points at the agent's own dashboard: its one-time link logs a browser in and serves the built page. */
async function expectDashboardLink(output: string): Promise<void> {
  if (defaultRendererDir() === null) {
    expect(output).toContain('Agent dashboard: not built here. Run "npm run build"');
    return;
  }
  const link = /Agent dashboard \(open in a browser\): (\S+)/.exec(output)?.[1];
  expect(link, output).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/login\?s=/);
  const login = await fetch(link!, { redirect: 'manual' });
  expect(login.status).toBe(303);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  expect(cookie).toMatch(/=/);
  const origin = new URL(link!).origin;
  const dashboard = await fetch(`${origin}/`, { headers: { cookie } });
  expect(dashboard.status).toBe(200);
  expect(await dashboard.text()).toMatch(/<script[^>]+src="\.\/assets\//);
  const status = (await (await fetch(`${origin}/api/v1/status`, { headers: { cookie } })).json()) as { ok: boolean; value?: { alerts: Array<{ code: string }> } };
  expect(status.ok, 'the dashboard session reads the agent status').toBe(true);
  // The demo enrolls, closes and starts the agent: the enrollment's audit entry must not read as tampering.
  expect(status.value!.alerts.map((alert) => alert.code).filter((code) => code.startsWith('audit_'))).toEqual([]);
  // The till's shift closes come over ODBC as documents: the Shifts screen lists them.
  const shifts = (await (await fetch(`${origin}/api/v1/shifts`, { headers: { cookie } })).json()) as { ok: boolean; value: Array<{ document: string | null; zLabel: string; total: string | null }> };
  expect(shifts.value.filter((shift) => shift.document === 'shift_close').length, JSON.stringify(shifts)).toBeGreaterThan(0);
  expect(shifts.value[0]!.zLabel).toMatch(/^Z-\d+$/);
  expect(shifts.value[0]!.total).toMatch(/^\d+\.\d{2}$/);
  const again = await fetch(link!, { redirect: 'manual' });
  expect(again.status, 'a login link works once').toBe(403);
}
