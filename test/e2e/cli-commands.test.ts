/**
 * The CLI as an IT admin and a script use it: help that explains, exit codes to rely on, a one-shot
 * `sync`, dead letters listed/replayed/discarded, secrets through standard input, and a clear refusal
 * (exit 5, nothing written) when no keychain is reachable.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, writeAgentConfig } from '../helpers/agent-process.ts';

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-cli-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-cli-cloud-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('cli');
  await db.exec(`CREATE TABLE invoices (invoice_id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total TEXT NOT NULL);
    ${Array.from({ length: 40 }, (_, i) => `INSERT INTO invoices VALUES (${i + 1}, 'Customer ${i + 1}', '${i + 1}.50');`).join('\n')}`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'CLI test', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', batchMaxRecords: 10 },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        streams: [{ name: 'invoices', table: 'invoices', keyColumns: ['invoice_id'], cursorColumn: 'invoice_id' }],
      },
    ],
  });
});

afterAll(async () => {
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe('tya-agent CLI', () => {
  it('explains itself and its exit codes', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['enroll', 'run', 'status', 'sync', 'dlq', 'secret', 'demo']) expect(help.stdout).toContain(command);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*5 {2}OS keychain unavailable/);
    // One code per class of "nothing can progress", documented in --help and the README alike.
    const readme = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
    for (const [code, words] of [[9, 'data folder'], [10, 'revoked'], [11, 'halted delivery'], [12, 'every source'], [13, 'Node 24'], [14, 'role']] as const) {
      expect(help.stdout).toMatch(new RegExp(`\\n *${code} {2}[^\\n]*${words}`));
      expect(readme).toMatch(new RegExp(`\`${code}\` [^·]*${words}`));
    }
    expect(help.stdout).toContain('alerts');
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on wrong usage and 4 on a missing or invalid config', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const missing = await runCli(['status', '--config', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/No config file found[\s\S]*What to do:/);
  });

  it('refuses to enroll without a keychain: exit 5, the key not spent, nothing written', async () => {
    const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
    const result = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], {
      input: key,
      env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', DISPLAY: '' },
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/No secret was stored/);
    expect(result.stderr).toMatch(/What to do:/);
    expect((await admin.counts()).agents).toBe(0);
    // The key still works once a keychain is there.
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    for (const file of listFiles(dir)) expect(readFileSync(file).includes(Buffer.from(key))).toBe(false);
  });

  it('syncs once without a running agent, then dead letters can be listed, replayed and discarded', async () => {
    await admin.rejectRecords({ stream: 'invoices', key: { invoice_id: '7' }, code: 'unknown_customer', message: 'Customer 7 is not in the books.' });
    await admin.rejectRecords({ stream: 'invoices', key: { invoice_id: '8' }, code: 'unknown_customer', message: 'Customer 8 is not in the books.' });
    const sync = await runCli(['sync', '--config', configFile, '--timeout-secs', '60']);
    // Done, but two changes need attention: exit 3, and the summary says how many, why, and where to look.
    expect(sync.code, sync.stderr).toBe(3);
    expect(sync.stdout).not.toMatch(/Up to date/);
    expect(sync.stdout).toMatch(/refused 2 changes in this run \(unknown_customer ×2, e\.g\. "Customer 7 is not in the books\."\)/);
    expect(sync.stdout).toContain('tya-agent dlq list');
    expect((await admin.counts()).recordsAccepted).toBe(38);

    const list = await runCli(['dlq', 'list', '--config', configFile]);
    expect(list.stdout).toMatch(/2 failed changes/);
    expect(list.stdout).toMatch(/unknown_customer: Customer 7 is not in the books\./);
    const ids = [...list.stdout.matchAll(/#(\d+)/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);

    await admin.clearRejectRules();
    const replay = await runCli(['dlq', 'replay', ids[0]!, '--config', configFile]);
    expect(replay.stdout).toMatch(/1 change put back in the queue/);
    const discard = await runCli(['dlq', 'discard', '--all', '--config', configFile]);
    expect(discard.stdout).toMatch(/1 change discarded/);
    const again = await runCli(['sync', '--config', configFile]);
    expect(again.code, again.stderr).toBe(0);
    expect((await admin.counts()).recordsAccepted).toBe(39);
    expect((await runCli(['dlq', 'list', '--config', configFile])).stdout).toMatch(/No failed changes/);
    expect((await runCli(['dlq', 'replay', '--config', configFile])).code).toBe(2);
    // Done on the outbox directly (no agent runs), so the command line is the actor.
    const audit = JSON.parse((await runCli(['audit', 'list', '--json', '--config', configFile])).stdout) as Array<{ actor: string; event: string; details: unknown }>;
    expect(audit.filter((e) => e.event.startsWith('dead-letters-'))).toMatchObject([
      { actor: 'cli', event: 'dead-letters-discarded', details: { count: 1 } },
      { actor: 'cli', event: 'dead-letters-replayed', details: { count: 1 } },
    ]);
    expect((await runCli(['audit', 'verify', '--config', configFile])).code).toBe(0);
  });

  it('stores a secret from standard input, never from the command line', async () => {
    const set = await runCli(['secret', 'set', 'erp/password', '--config', configFile], { input: 'pa55-word-xyz\n' });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/Stored erp\/password in the OS keychain/);
    expect(set.stdout).not.toContain('pa55-word-xyz');
    const audit = JSON.parse((await runCli(['audit', 'list', '--json', '--config', configFile])).stdout) as Array<{ actor: string; event: string; subject: string }>;
    expect(audit[0]).toMatchObject({ actor: 'cli', event: 'secret-set', subject: 'erp/password' });
    expect((await runCli(['secret', 'set', 'audit/mac-key', '--config', configFile], { input: 'x\n' })).stderr).toMatch(/audit log's own key/);
    for (const file of listFiles(dir)) expect(readFileSync(file).includes(Buffer.from('pa55-word-xyz'))).toBe(false);
    expect((await runCli(['secret', 'delete', 'erp/password', '--config', configFile])).stdout).toMatch(/Removed/);
    expect((await runCli(['secret', 'check', '--config', configFile])).code).toBe(0);
  });
});

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(root, name))
    .filter((file) => statSync(file).isFile());
}
