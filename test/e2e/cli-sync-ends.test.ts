/**
 * One-shot commands end, and say why (issue 9, item 3): a `sync` that cannot progress (not
 * enrolled, revoked, delivery halted, every source failing) ends within seconds with a sentence,
 * what to do, and that class's exit code, never waiting out its timeout; the queue is kept; and
 * `status` does not contradict itself afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfigInput, AgentStatus } from '../../agents/api/index.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, writeAgentConfig } from '../helpers/agent-process.ts';

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-sync-ends-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('sync-ends');
  await db.exec(`CREATE TABLE orders (order_id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    ${Array.from({ length: 25 }, (_, i) => `INSERT INTO orders VALUES (${i + 1}, '${i + 1}.25');`).join('\n')}`);
});

afterAll(async () => {
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A config of its own (own data folder, own keychain namespace) reading `tables`, one stream each. */
function agentConfig(name: string, ...tables: string[]): string {
  const home = path.join(dir, name);
  mkdirSync(home);
  const config: AgentConfigInput = {
    agent: { name, dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', retryBaseMs: 100, retryMaxMs: 1000 },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        streams: (tables.length === 0 ? ['orders'] : tables).map((table) => ({ name: table, table, keyColumns: ['order_id'], cursorColumn: 'order_id' })),
      },
    ],
  };
  return writeAgentConfig(path.join(home, 'agent.json'), config);
}

async function enroll(configFile: string): Promise<void> {
  const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
}

async function status(configFile: string): Promise<{ code: number | null; json: AgentStatus; text: string }> {
  const json = await runCli(['status', '--json', '--config', configFile]);
  const text = await runCli(['status', '--config', configFile]);
  return { code: json.code, json: JSON.parse(json.stdout) as AgentStatus, text: text.stdout };
}

async function timedSync(configFile: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const result = await runCli(['sync', '--config', configFile, '--timeout-secs', '300'], { timeoutMs: 120_000 });
  return { ...result, ms: Date.now() - started };
}

describe('a one-shot sync that cannot progress', () => {
  it('not enrolled: ends within 5 s of its start without reading a source, exit 6', async () => {
    const configFile = agentConfig('not-enrolled');
    const sync = await timedSync(configFile);
    expect(sync.code, sync.stderr).toBe(6);
    expect(sync.stderr).toMatch(/No source was read/);
    expect(sync.stderr).toMatch(/not enrolled[\s\S]*What to do: Enroll it once/);
    // Node's own start-up is inside these 5 s.
    expect(sync.ms).toBeLessThan(5_000);
    const after = await status(configFile);
    expect(after.json.sources[0]!.recordsCaptured).toBe(0);
    expect(after.json.queue.depth).toBe(0);
  }, 180_000);

  it('revoked: ends at once with exit 10, the queue kept; status says revoked, not "Enrolled: yes"', async () => {
    const configFile = agentConfig('revoked');
    await enroll(configFile);
    const { json } = await status(configFile);
    await admin.revokeAgent(json.enrollment.agentId!);
    const sync = await timedSync(configFile);
    expect(sync.code, sync.stderr).toBe(10);
    expect(sync.stderr).toMatch(/The cloud revoked this agent, so nothing is sent; 25 changes are kept in the queue\./);
    expect(sync.stderr).toMatch(/What to do: Enroll again/);
    expect(sync.ms).toBeLessThan(20_000);
    // It asked the cloud and was told (a 401 on the token or a batch), rather than guessing.
    const answers = Object.values((await admin.counts()).requests).map((byStatus) => byStatus['401'] ?? 0);
    expect(answers.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    const after = await status(configFile);
    expect(after.code).toBe(8);
    expect(after.json.queue.depth).toBe(25);
    expect(after.json.enrollment.revoked).toBe(true);
    expect(after.text).toMatch(/Enrolled: {2}REVOKED by the cloud/);
    expect(after.text).not.toMatch(/Enrolled: {2}yes/);
    // The read survived the stop: status of the stopped agent still shows what was read.
    expect(after.json.sources[0]!.recordsCaptured).toBe(25);
    expect(after.json.sources[0]!.lastSuccessAt).not.toBeNull();

    // Known revoked: the next sync does not even read.
    const again = await timedSync(configFile);
    expect(again.code).toBe(10);
    expect(again.stderr).toMatch(/No source was read/);
    expect(again.ms).toBeLessThan(5_000);
  }, 180_000);

  it('delivery halted (the cloud wants a newer version): exit 11 with the cloud\'s reason, queue kept', async () => {
    const configFile = agentConfig('halted');
    await enroll(configFile);
    await admin.setMinimumAgentVersion('99.0.0');
    try {
      const sync = await timedSync(configFile);
      expect(sync.code, sync.stderr).toBe(11);
      expect(sync.stderr).toMatch(/The cloud stopped delivery \(upgrade-required\)/);
      expect(sync.stderr).toMatch(/25 changes are kept in the queue/);
      expect(sync.ms).toBeLessThan(20_000);
      expect((await status(configFile)).json.queue.depth).toBe(25);
    } finally {
      await admin.setMinimumAgentVersion(null);
    }
  }, 180_000);

  it('every source failing: exit 12 naming the source and its error, within seconds', async () => {
    const configFile = agentConfig('no-table', 'no_such_table');
    await enroll(configFile);
    const sync = await timedSync(configFile);
    expect(sync.code, sync.stderr).toBe(12);
    expect(sync.stderr).toMatch(/No source can be read \(erp: /);
    expect(sync.stderr).toMatch(/What to do:/);
    expect(sync.ms).toBeLessThan(20_000);
  }, 180_000);

  it('one of two streams stopped: the other is read and sent, then exit 12 naming the stopped stream, within seconds', async () => {
    const configFile = agentConfig('one-stream-stopped', 'orders', 'no_such_table');
    await enroll(configFile);
    const sync = await timedSync(configFile);
    expect(sync.code, sync.stderr).toBe(12);
    expect(sync.stderr).toMatch(/no_such_table/);
    expect(sync.stderr).toMatch(/What to do:/);
    expect(sync.ms).toBeLessThan(20_000);
    const after = await status(configFile);
    expect(after.json.queue.depth).toBe(0);
    expect(after.json.queue.delivered).toBe(25);
  }, 180_000);
});
