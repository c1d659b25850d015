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
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toMatch(/receipts/);
    expect(page).toMatch(/pos-db/);

    expect(await exited).toBe(0);
    expect(output).toMatch(/Till: \d new receipt/);
    expect(output).toContain('Stopping the demo');
  }, 90_000);
});
