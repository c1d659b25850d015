/**
 * The credentials' life over real processes (issue 12 item 2): the cloud's `rotate-credentials`
 * while a backlog is being delivered loses and doubles nothing and puts new secrets in the
 * keychain; `revoke` stops delivery, wipes the keychain entries and keeps the queue; enrolling again
 * (and the operator's hand-over of the sources) delivers the kept queue. Real sandbox, real
 * `tya-agent run`, real SQLite over ODBC, real Secret Service keychain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { installationNamespace } from '../../agents/engine/installation.ts';
import { KeytarSecretStore, SecretRefs } from '../../agents/vault/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

const FIRST = 3000;
const WHILE_REVOKED = 200;
let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-creds-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('creds');
  await db.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${FIRST})
    INSERT INTO invoices SELECT i, printf('%d.%02d', i, i % 100) FROM n;`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Creds', dataDir: 'data' },
    // Small batches and a slow cloud: the rotation lands in the middle of the backlog.
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
  await enroll();
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function enroll(): Promise<void> {
  const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
}

function keychain(): KeytarSecretStore {
  return new KeytarSecretStore({ namespace: installationNamespace(path.join(dir, 'data')) });
}

async function secrets(): Promise<Array<string | undefined>> {
  const store = keychain();
  return Promise.all([SecretRefs.clientSecret, SecretRefs.signingSecret].map((ref) => store.get(ref)));
}

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return JSON.parse(result.stdout) as AgentStatus;
}

async function invoicesHeld(): Promise<number> {
  return (await admin.counts()).streams.find((s) => s.stream === 'invoices')?.records ?? 0;
}

describe('credentials lifecycle', () => {
  it('rotates during a backlog without a loss or a double, then revokes, keeps the queue, and delivers it after enrolling again', async () => {
    // Every batch answered 100 ms late, so the backlog takes a while.
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 100, times: 1000 });
    const before = await secrets();
    expect(before.every((s) => s !== undefined && s.length > 10)).toBe(true);

    agent = startAgentProcess(configFile);
    await waitFor('part of the backlog in the cloud', async () => (await invoicesHeld()) >= 100, {
      describe: () => agent!.output(),
    });
    const [first] = await admin.agents();
    const rotateId = await admin.queueCommand(first!.agentId, 'rotate-credentials');
    await waitFor(
      'the rotation ack',
      async () => (await admin.acks(first!.agentId)).some((a) => a.commandId === rotateId),
      {
        describe: () => agent!.output(),
      },
    );
    const ack = (await admin.acks(first!.agentId)).find((a) => a.commandId === rotateId)!;
    expect(ack.ok, JSON.stringify(ack.ack)).toBe(true);
    const heldAtRotation = await invoicesHeld();
    const after = await secrets();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    await admin.clearFaults();
    await waitFor('the whole backlog', async () => (await invoicesHeld()) === FIRST, {
      timeoutMs: 120_000,
      describe: () => agent!.output(),
    });
    const counts = await admin.counts();
    expect(heldAtRotation).toBeLessThan(FIRST);
    expect(counts.streams.find((s) => s.stream === 'invoices')?.records).toBe(FIRST);
    expect((await admin.records({ stream: 'invoices', limit: 10_000 })).length).toBe(FIRST);
    const rotated = await status();
    expect(rotated.credentials).toMatchObject({ ageDays: 0, rotateEveryDays: 90 });
    expect(rotated.credentials?.rotatedAt).toMatch(/^\d{4}-/);
    expect(JSON.stringify(rotated)).not.toContain(after[0]!);

    // Revoked by the cloud's command: delivery stops, the keychain is emptied, the queue is kept.
    const revokeId = await admin.queueCommand(first!.agentId, 'revoke');
    await waitFor('the credentials wiped', async () => (await secrets()).every((s) => s === undefined), {
      describe: () => agent!.output(),
    });
    expect(revokeId).toBeTruthy();
    await db.exec(`WITH RECURSIVE n(i) AS (SELECT ${FIRST + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${FIRST + WHILE_REVOKED})
      INSERT INTO invoices SELECT i, printf('%d.%02d', i, i % 100) FROM n;`);
    await waitFor('the new rows queued', async () => (await status()).queue.depth >= WHILE_REVOKED, {
      describe: () => agent!.output(),
    });
    const revoked = await status();
    expect(revoked.alerts.map((a) => a.code)).toContain('agent_revoked');
    expect(await invoicesHeld()).toBe(FIRST);
    await agent.kill('SIGTERM');

    // Enrolled again with a new key; the operator hands the source over to the new agent id.
    await enroll();
    const second = (await admin.agents()).find((a) => a.agentId !== first!.agentId)!;
    await admin.handover({ entity: 'store-1', source: 'erp', agentId: second.agentId });
    agent = startAgentProcess(configFile);
    await waitFor('the kept queue delivered', async () => (await invoicesHeld()) === FIRST + WHILE_REVOKED, {
      timeoutMs: 60_000,
      describe: () => agent!.output(),
    });
    expect((await admin.records({ stream: 'invoices', limit: 10_000 })).length).toBe(FIRST + WHILE_REVOKED);
    await waitFor('an empty queue', async () => (await status()).queue.depth === 0, {
      describe: () => agent!.output(),
    });

    // The audit log tells the story with who did each step, and survives the revoke (its key is not a cloud credential).
    const listed = await runCli(['audit', 'list', '--json', '--config', configFile]);
    const story = (JSON.parse(listed.stdout) as Array<{ actor: string; event: string }>).reverse().map((e) => `${e.actor} ${e.event}`);
    expect(story).toEqual([
      'cli enrolled',
      `cloud:${rotateId} credentials-rotated`,
      `cloud:${rotateId} command-executed`,
      `cloud:${revokeId} revoked`,
      `cloud:${revokeId} command-executed`,
      'cli enrolled',
    ]);
    const verified = await runCli(['audit', 'verify', '--config', configFile]);
    expect(verified.code, verified.stderr).toBe(0);
  }, 240_000);
});
