/**
 * Moving an agent to a new data folder mid-backlog (issue 16 item 6): `backup` taken while the
 * agent delivers, the old agent killed, `restore` into a new folder, enroll again and the
 * operator's hand-over, and the cloud ends with every row exactly once; the restored audit chain
 * still verifies; a wrong passphrase changes nothing; no credential is in the backup. Real sandbox,
 * real `tya-agent` processes, real SQLite over ODBC, real Secret Service keychain.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { decryptBackup } from '../../agents/engine/backup/backup-archive.ts';
import { installationNamespace } from '../../agents/engine/installation.ts';
import { KeytarSecretStore, SecretRefs } from '../../agents/vault/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

const ROWS = 2000;
const PASSPHRASE = 'correct horse battery staple';
const PLANTED_DB_PASSWORD = 'Planted-DB-Password-7f3a91';
let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let oldConfig: string;
let newConfig: string;
let backupFile: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-backup-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('backup');
  await db.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO invoices SELECT i, printf('%d.%02d', i, i % 100) FROM n;`);
  mkdirSync(path.join(dir, 'old'));
  oldConfig = writeAgentConfig(path.join(dir, 'old', 'agent.json'), {
    agent: { name: 'Backup', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1, batchMaxRecords: 25 },
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
  newConfig = path.join(dir, 'new', 'agent.json');
  backupFile = path.join(dir, 'agent.tyabak');
  await enroll(oldConfig);
  // A database password in the old keychain, as an admin would have set it: it must not travel.
  await keychain(path.join(dir, 'old', 'data')).set('odbc/erp/password', PLANTED_DB_PASSWORD);
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function enroll(configFile: string): Promise<void> {
  const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
}

function keychain(dataDir: string): KeytarSecretStore {
  return new KeytarSecretStore({ namespace: installationNamespace(dataDir) });
}

async function invoicesHeld(): Promise<number> {
  return (await admin.counts()).streams.find((s) => s.stream === 'invoices')?.records ?? 0;
}

describe('backup and restore', () => {
  it('moves a running agent to a new data folder mid-backlog: nothing lost, nothing doubled, the audit chain verifies', async () => {
    // Every batch answered late, so the backlog is still being delivered when the backup is taken.
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 100, times: 10_000 });
    agent = startAgentProcess(oldConfig);
    await waitFor('part of the backlog in the cloud', async () => (await invoicesHeld()) >= 100, { describe: () => agent!.output() });

    const backup = await runCli(['backup', '-o', backupFile, '--config', oldConfig], { input: `${PASSPHRASE}\n` });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toContain('No credentials are in it');
    const heldAtBackup = await invoicesHeld();
    expect(heldAtBackup).toBeLessThan(ROWS);
    // The old agent delivers more after the snapshot: the restored one will send those again.
    await waitFor('more delivered after the backup', async () => (await invoicesHeld()) >= heldAtBackup + 50, { describe: () => agent!.output() });
    await agent.kill('SIGKILL');
    agent = undefined;
    const heldAtKill = await invoicesHeld();
    expect(heldAtKill).toBeLessThan(ROWS);

    // No credential travels: neither in the file's bytes nor inside once decrypted.
    const oldSecrets = keychain(path.join(dir, 'old', 'data'));
    const clientSecret = await oldSecrets.get(SecretRefs.clientSecret);
    const signingSecret = await oldSecrets.get(SecretRefs.signingSecret);
    expect(clientSecret?.length).toBeGreaterThan(10);
    const sealed = readFileSync(backupFile);
    const opened = decryptBackup(sealed, PASSPHRASE);
    const plain = Buffer.concat([Buffer.from(JSON.stringify(opened.manifest)), opened.outbox]);
    for (const secret of [clientSecret!, signingSecret!, PLANTED_DB_PASSWORD]) {
      expect(sealed.includes(Buffer.from(secret))).toBe(false);
      expect(plain.includes(Buffer.from(secret))).toBe(false);
    }
    expect(opened.manifest.auditMacKey).toBe(await oldSecrets.get('audit/mac-key'));

    // A wrong passphrase is a clear error and writes nothing.
    const wrong = await runCli(['restore', backupFile, '--config', newConfig], { input: 'not the passphrase\n' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('the passphrase is wrong');
    expect(existsSync(path.join(dir, 'new'))).toBe(false);

    const restored = await runCli(['restore', backupFile, '--config', newConfig], { input: `${PASSPHRASE}\n` });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('Enroll this machine');
    expect(restored.stdout).toContain('hand-over');
    const again = await runCli(['restore', backupFile, '--config', newConfig], { input: `${PASSPHRASE}\n` });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already has an outbox');
    expect(await keychain(path.join(dir, 'new', 'data')).get(SecretRefs.clientSecret)).toBeUndefined();

    // The new folder enrolls as a new agent; the operator hands the source over to it.
    const before = new Set((await admin.agents()).map((a) => a.agentId));
    await enroll(newConfig);
    const moved = (await admin.agents()).find((a) => !before.has(a.agentId))!;
    await admin.handover({ entity: 'store-1', source: 'erp', agentId: moved.agentId });
    await admin.clearFaults();
    agent = startAgentProcess(newConfig);
    await waitFor('the new agent delivering', async () => (await admin.records({ stream: 'invoices', limit: 10_000 })).some((r) => r.agentId === moved.agentId), { describe: () => agent!.output() });
    // Even --force never replaces the outbox under a running agent.
    const underRunning = await runCli(['restore', backupFile, '--config', newConfig, '--force'], { input: `${PASSPHRASE}\n` });
    expect(underRunning.code, underRunning.stdout).toBe(9);
    expect(underRunning.stderr).toContain('tya-agent run');
    expect(existsSync(`${newConfig}.restoring`)).toBe(false);
    await waitFor('the whole backlog', async () => (await invoicesHeld()) === ROWS, { timeoutMs: 120_000, describe: () => agent!.output() });
    await waitFor('an empty queue', async () => {
      const status = JSON.parse((await runCli(['status', '--json', '--config', newConfig])).stdout) as AgentStatus;
      return status.queue.depth === 0;
    }, { describe: () => agent!.output() });
    const records = await admin.records({ stream: 'invoices', limit: 10_000 });
    const keys = new Set(records.map((r) => r.key.id));
    expect(records.length).toBe(ROWS);
    expect(keys.size).toBe(ROWS);
    expect(records.some((r) => r.agentId === moved.agentId)).toBe(true);
    console.info(`backup-restore: ${heldAtBackup} rows in the cloud at the backup, ${heldAtKill} when the old agent was killed, ${ROWS} distinct keys at the end (${records.length} accepted records); backup ${Math.ceil(sealed.length / 1024)} KiB`);

    const verified = await runCli(['audit', 'verify', '--config', newConfig]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('intact');
  }, 240_000);
});
