/**
 * Hold and void over real processes (issue 11): `tya-agent run` with a held bank folder → the
 * sandbox cloud, driven through the control API as the Files screen drives it. A held file sends
 * nothing, still waits after a restart, and once approved arrives exactly once; a voided file's
 * records end deleted in the cloud, and a restart neither repeats nor forgets the void.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityEntrySchema, AuditListSchema, FileEntrySchema, type FileEntry } from '../../agents/api/index.ts';
import { camtStatement } from '../../agents/transforms/statements/statement-samples.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { dropFile, expectedEntries } from '../helpers/folder-files.ts';

const IBAN = 'AT611904300234573201';
let dir: string;
let cloudDir: string;
let bankDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let configFile: string;
let agent: AgentProcess;

async function control(method: 'GET' | 'POST', route: string): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  const { port, token } = JSON.parse(readFileSync(path.join(dir, 'data', 'control.json'), 'utf8')) as { port: number; token: string };
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    body: method === 'POST' ? '{}' : null,
  });
  return (await res.json()) as never;
}

async function files(): Promise<FileEntry[]> {
  const answer = await control('GET', '/files?source=bank');
  return answer.ok ? FileEntrySchema.array().parse(answer.value) : [];
}

async function startAgent(): Promise<void> {
  rmSync(path.join(dir, 'data', 'control.json'), { force: true });
  agent = startAgentProcess(configFile);
  await waitFor('the control API', async () => (await control('GET', '/status').catch(() => ({ ok: false }))).ok, { describe: () => agent.output().slice(-2000) });
}

async function bankRecordsInCloud(): Promise<number> {
  return (await admin.history({ source: 'bank', stream: 'bank_entries' })).length;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-hold-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-hold-cloud-'));
  bankDir = path.join(dir, 'bank');
  mkdirSync(bankDir);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Hold e2e', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-9', batchMaxAgeMs: 50, heartbeatIntervalSecs: 3600, retryBaseMs: 50, retryMaxMs: 500 },
    sources: [{ type: 'folder', name: 'bank', path: bankDir, kind: 'bank', stableMs: 200, hold: true }],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-9'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
  await startAgent();
}, 60_000);

afterAll(async () => {
  await agent?.kill('SIGTERM');
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe('hold, approve and void over real processes', () => {
  const content = camtStatement({ iban: IBAN, sequence: 1, opening: '1000.00', from: 0, to: 12 });

  it('holds a file, keeps holding it across a restart, and sends it exactly once after approval', async () => {
    const dropped = dropFile(bankDir, 'statement-1.xml', content);
    await waitFor('the file held', async () => (await files()).some((f) => f.outcome === 'held' && f.sha256 === dropped.sha256), { describe: () => agent.output().slice(-2000) });
    // Held means nothing at all reaches the cloud, not even the statement header.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await admin.counts()).streams.filter((s) => s.source === 'bank')).toEqual([]);

    await agent.kill('SIGTERM');
    await startAgent();
    await waitFor('the file still held after the restart', async () => (await files()).some((f) => f.outcome === 'held' && f.sha256 === dropped.sha256));
    expect((await admin.counts()).streams.filter((s) => s.source === 'bank')).toEqual([]);

    // An operator's decision on a file that is not held is refused in words.
    const wrong = await control('POST', `/files/bank/${'0'.repeat(64)}/approve`);
    expect(wrong.error?.code).toBe('file_not_held');

    expect((await control('POST', `/files/bank/${dropped.sha256}/approve`)).ok).toBe(true);
    const expected = await expectedEntries('statement-1.xml', content);
    await waitFor('the entries in the cloud', async () => (await bankRecordsInCloud()) === expected.length, { describe: () => agent.output().slice(-2000) });
    await waitFor('the file imported', async () => (await files()).some((f) => f.outcome === 'imported' && f.sha256 === dropped.sha256));
    // Exactly once: one accepted change per entry key, with the content the file states.
    const history = await admin.history({ source: 'bank', stream: 'bank_entries' });
    expect(new Set(history.map((h) => JSON.stringify(h.key))).size).toBe(expected.length);
    expect(history.every((h) => h.op === 'upsert')).toBe(true);
    const activity = ActivityEntrySchema.array().parse((await control('GET', '/activity?kind=file&text=approved')).value);
    expect(activity.map((a) => a.message)).toContain('statement-1.xml was approved and is being sent.');
    const audit = AuditListSchema.parse((await control('GET', '/audit')).value);
    expect(audit.entries.find((e) => e.event === 'held-file-approved')).toMatchObject({ actor: 'token:admin', subject: 'bank/statement-1.xml', details: { sha256: dropped.sha256 } });
  }, 90_000);

  it('voids the imported file: every record of it ends deleted in the cloud, once, across a restart', async () => {
    const imported = (await files()).find((f) => f.outcome === 'imported');
    expect(imported?.sha256).toBeTruthy();
    const expected = await expectedEntries('statement-1.xml', content);
    expect((await control('POST', `/files/bank/${imported!.sha256!}/void`)).ok).toBe(true);
    // Asking twice is refused: one void per file.
    expect((await control('POST', `/files/bank/${imported!.sha256!}/void`)).error?.code).toBe('file_already_voided');
    await waitFor(
      'the entries deleted in the cloud',
      async () => {
        const latest = await admin.latest({ source: 'bank', stream: 'bank_entries' });
        return latest.length === expected.length && latest.every((r) => r.op === 'delete');
      },
      { describe: async () => `${JSON.stringify((await admin.latest({ source: 'bank', stream: 'bank_entries' })).map((r) => r.op))} ${agent.output().slice(-1500)}` },
    );
    const statements = await admin.latest({ source: 'bank', stream: 'bank_statements' });
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((r) => r.op === 'delete')).toBe(true);
    await waitFor('the void done', async () => (await files()).some((f) => f.outcome === 'voided' && f.void === 'done'));
    const activity = ActivityEntrySchema.array().parse((await control('GET', '/activity?source=bank&text=voided')).value);
    expect(activity.some((a) => a.message.startsWith('statement-1.xml was voided'))).toBe(true);
    const audit = AuditListSchema.parse((await control('GET', '/audit')).value);
    expect(audit.entries.find((e) => e.event === 'file-voided')).toMatchObject({ actor: 'token:admin', subject: 'bank/statement-1.xml' });

    const before = await bankRecordsInCloud();
    await agent.kill('SIGTERM');
    await startAgent();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await bankRecordsInCloud()).toBe(before);
    expect((await files()).find((f) => f.sha256 === imported!.sha256)).toMatchObject({ outcome: 'voided', void: 'done' });
  }, 90_000);
});
