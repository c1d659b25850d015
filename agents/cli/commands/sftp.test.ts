import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSftpServer, type SftpTestServer } from '../../../test/helpers/sftp-server.ts';

let server: SftpTestServer | null = null;
let dir = '';
const main = path.resolve(import.meta.dirname, '../main.ts');

beforeAll(async () => {
  server = await startSftpServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-sftp-cli-'));
}, 30_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(s: SftpTestServer, pin: string): string {
  const file = path.join(dir, 'agent.json');
  writeFileSync(
    file,
    JSON.stringify({
      agent: { name: 'cli-test', dataDir: dir },
      cloud: { url: 'http://127.0.0.1:9', entity: 'store-7' },
      exchange: { sftp: [{ name: 'bank-a', host: '127.0.0.1', port: s.port, user: s.user, auth: 'key', secret: { secretRef: 'sftp/cli-bank-a' }, hostKey: pin, push: { remoteDir: s.root } }] },
    }),
  );
  return file;
}

function run(args: string[], input?: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('node', [main, ...args], { encoding: 'utf8', stdio: 'pipe', ...(input === undefined ? {} : { input }) }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

it('sftp check: missing secret (exit 5), wrong pin (exit 4, both fingerprints), then connects and lists', (t) => {
  if (server === null) return t.skip();
  const wrongPin = `SHA256:${'B'.repeat(43)}`;
  const config = writeConfig(server, wrongPin);
  const missing = run(['sftp', 'check', 'bank-a', '-c', config]);
  expect(missing.code).toBe(5);
  expect(missing.out).toContain('sftp/cli-bank-a');
  expect(run(['secret', 'set', 'sftp/cli-bank-a', '-c', config], server.privateKey).code).toBe(0);
  try {
    const wrong = run(['sftp', 'check', 'bank-a', '-c', config]);
    expect(wrong.code).toBe(4);
    expect(wrong.out).toContain(wrongPin);
    expect(wrong.out).toContain(server.hostKeyFingerprint);
    expect(wrong.out).not.toContain('PRIVATE KEY');
    writeConfig(server, server.hostKeyFingerprint);
    const ok = run(['sftp', 'check', 'bank-a', '-c', config]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('matches the pin');
    const list = run(['sftp', 'list', '--json', '-c', config]);
    expect(JSON.parse(list.out)).toEqual({ fetched: [], pushed: [] });
  } finally {
    run(['secret', 'delete', 'sftp/cli-bank-a', '-c', config]);
  }
}, 60_000);
