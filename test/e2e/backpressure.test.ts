/**
 * Outbox full: with the cloud refusing everything (503), a small queue fills; capture pauses, the
 * source's checkpoint stays put, `status` shows the alert in words; once the cloud is back, the queue
 * drains, capture resumes, and every row arrives exactly once. A source that fails shows its error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { PosActivity } from '../../agents/cli/demo/pos-database.ts';
import { POS_STREAMS } from '../../agents/cli/demo/pos-schema.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { AgentStatusSchema, type AgentStatus, type JsonValue } from '../../agents/api/index.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { describeReconciliation, reconcile } from '../helpers/reconcile.ts';
import { sqliteRowsAsText } from '../helpers/pos-rows.ts';

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let pos: PosActivity;
let configFile: string;
let agent: AgentProcess | null = null;

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return AgentStatusSchema.parse(JSON.parse(result.stdout));
}

function checkpoints(): Record<string, JsonValue | undefined> {
  const outbox = Outbox.openReadonly(path.join(dir, 'data', 'outbox.db'), systemClock);
  try {
    return Object.fromEntries(POS_STREAMS.map((s) => [s.name, outbox.getCheckpoint('pos-db', s.name)]));
  } finally {
    outbox.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-full-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-full-cloud-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  pos = PosActivity.create(path.join(dir, 'pos.db'), { seed: 5, stores: 1, registersPerStore: 2, closedShiftsPerRegister: 3, receiptsPerShift: 40 });
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Backpressure test', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', retryBaseMs: 100, retryMaxMs: 400 },
    outbox: { maxBytes: 64 * 1024 },
    sources: [
      {
        type: 'odbc',
        name: 'pos-db',
        dialect: 'sqlite',
        connectionString: `Driver={SQLite3};Database=${pos.path};Timeout=5000`,
        intervalSecs: 1,
        streams: POS_STREAMS.map((s) => ({ ...s, keyColumns: [...s.keyColumns], pageRows: 50 })),
      },
      {
        type: 'odbc',
        name: 'erp-db',
        dialect: 'sqlite',
        connectionString: `Driver={SQLite3};Database=${pos.path};Timeout=5000`,
        intervalSecs: 1,
        streams: [{ name: 'invoices', table: 'invoices', keyColumns: ['invoice_id'], cursorColumn: 'updated_at' }],
      },
    ],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
  expect((await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key })).code).toBe(0);
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  pos?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe('a full outbox', () => {
  it('pauses capture without moving the cursor, says so, and resumes without loss', async () => {
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', status: 503, times: 1_000_000 });
    agent = startAgentProcess(configFile);
    await waitFor('capture to pause on a full queue', async () => (await status()).queue.capturePaused, {
      timeoutMs: 30_000,
      describe: async () => JSON.stringify(await status()) + agent!.output().slice(-1500),
    });

    const paused = await status();
    expect(paused.alerts.map((a) => a.code)).toContain('outbox_full');
    const words = (await runCli(['status', '--config', configFile])).stdout;
    expect(words, words).toMatch(/Capture:\s+PAUSED because the queue is full; nothing is dropped/);
    expect(words).toMatch(/local queue is full/);

    // While paused, new rows are not read and the checkpoints do not move.
    const before = checkpoints();
    const depthBefore = paused.queue.depth;
    pos.addReceipts(5);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(checkpoints()).toEqual(before);
    expect((await status()).queue.depth).toBe(depthBefore);

    // The other source's failure is reported per source, in words.
    const erp = paused.sources.find((s) => s.name === 'erp-db');
    expect(erp?.state).toBe('error');
    expect(erp?.lastError?.message).toMatch(/invoices/);
    expect(words).toMatch(/erp-db\s+ERROR\s+since .*invoices/);

    // The cloud comes back: the queue drains, capture resumes, everything arrives once.
    await admin.clearFaults();
    for (const stream of POS_STREAMS) {
      const expected = sqliteRowsAsText(pos.path, stream.table, stream.name, stream.keyColumns).length;
      await waitFor(`${expected} ${stream.name}`, async () => {
        const counts = await admin.counts();
        return (counts.streams.find((s) => s.stream === stream.name)?.records ?? 0) >= expected;
      }, { timeoutMs: 60_000 });
    }
    await waitFor('the alert to clear', async () => !(await status()).alerts.some((a) => a.code === 'outbox_full'), { timeoutMs: 15_000 });
    for (const stream of POS_STREAMS) {
      const rows = sqliteRowsAsText(pos.path, stream.table, stream.name, stream.keyColumns);
      const result = reconcile(rows, await admin.records({ source: 'pos-db', stream: stream.name }));
      expect(result.lost, describeReconciliation(result)).toEqual([]);
      expect(result.duplicateEffects, describeReconciliation(result)).toEqual([]);
    }
    const outbox = Outbox.openReadonly(path.join(dir, 'data', 'outbox.db'), systemClock);
    expect(outbox.integrityCheck()).toBe('ok');
    outbox.close();
  }, 180_000);
});
