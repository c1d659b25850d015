import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { send } from './sandbox-test-kit.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('node sandbox/main.ts', () => {
  it('prints the listening line, serves the page and the API, logs sentences and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tya-sandbox-cli-'));
    dirs.push(dir);
    const child = spawn(
      process.execPath,
      [MAIN, '--port', '0', '--db', join(dir, 'cloud.db'), '--enrollment-key', 'ek_cli_test_key'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const event = JSON.parse(firstLine) as { event: string; url: string };
      expect(event.event).toBe('listening');
      expect(event.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const page = await fetch(`${event.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('TYA sandbox cloud');
      const enrolled = await send(event.url, 'POST', '/v1/agents/enroll', {
        body: JSON.stringify({ enrollmentKey: 'ek_cli_test_key', name: 'cli', hostname: 'h', version: '1.0.0' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(enrolled.status).toBe(201);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/POST \/v1\/agents\/enroll answered 201 \(enrolled agent ag_\w+ \(cli\)\) in \d+ ms/);
    expect(stderr).toContain('Received SIGTERM; closing the sandbox.');
    expect(stderr).not.toContain('ek_cli_test_key');
  });
});
