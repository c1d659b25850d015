/**
 * Several companies per agent (issue 16 item 9): one agent enrolled for two entities reads two
 * sources, each sending under its own entity; then the config moves one source to the other
 * company while its backlog is still queued (agent killed mid-backlog, config edited, started
 * again). Everything read before the move arrives under the old entity only, everything read
 * after it under the new one, each row exactly once, and the source says it waits meanwhile.
 * Real sandbox, real `tya-agent` processes, real SQLite over ODBC, real Secret Service keychain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import type { StoredRecord } from '../../sandbox/inspection-schemas.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';

const TILL_ROWS = 600;
const LEDGER_ROWS = 200;
const LATE_ROWS = 40;
let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | undefined;

function config(tillEntity: string | undefined): void {
  writeAgentConfig(configFile, {
    agent: { name: 'Two companies', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1, batchMaxRecords: 20 },
    sources: [
      {
        type: 'odbc',
        name: 'till',
        ...(tillEntity === undefined ? {} : { entity: tillEntity }),
        dialect: 'sqlite',
        connectionString: db.connectionString,
        intervalSecs: 1,
        streams: [{ name: 'sales', table: 'sales', keyColumns: ['id'], cursorColumn: 'id' }],
      },
      {
        type: 'odbc',
        name: 'erp',
        entity: 'store-2',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        intervalSecs: 1,
        streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], cursorColumn: 'id' }],
      },
    ],
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-entities-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('entities');
  await db.exec(`CREATE TABLE sales (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${TILL_ROWS})
    INSERT INTO sales SELECT i, printf('%d.%02d', i, i % 100) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${LEDGER_ROWS})
    INSERT INTO ledger SELECT i, printf('-%d.05', i) FROM n;`);
  configFile = path.join(dir, 'agent.json');
  config(undefined);
  const key = (await admin.createEnrollmentKey({ entities: ['store-1', 'store-2'] })).key;
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function held(source: string): Promise<StoredRecord[]> {
  return admin.records({ source, limit: 100_000 });
}

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return JSON.parse(result.stdout) as AgentStatus;
}

describe('several companies per agent', () => {
  it('sends each source under its own entity, and a moved source never sends its old backlog under the new one', async () => {
    // Slow answers keep the till's backlog queued when the agent is killed.
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 150, times: 10_000 });
    agent = startAgentProcess(configFile);
    await waitFor('part of the till in the cloud', async () => (await held('till')).length >= 60, { describe: () => agent!.output() });
    // Then hold the rest back: delivery runs several batches at once, and 150 ms answers let the whole
    // till leave before the kill (CI saw all 600 sent). 5 s per answer keeps a backlog for the move.
    await admin.clearFaults();
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 5_000, times: 10_000 });
    // Every sale read (queued or sent) before the kill, so "read before the move" is the first TILL_ROWS rows.
    await waitFor('the whole till read', async () => ((await status()).sources.find((s) => s.name === 'till')?.recordsCaptured ?? 0) >= TILL_ROWS, {
      describe: () => agent!.output(),
    });
    await agent.kill('SIGKILL');
    agent = undefined;
    const before = await held('till');
    expect(before.length).toBeLessThan(TILL_ROWS);

    // The bookkeeper moves the till to the second company; new sales come in meanwhile.
    config('store-2');
    await db.exec(`WITH RECURSIVE n(i) AS (SELECT ${TILL_ROWS + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${TILL_ROWS + LATE_ROWS})
      INSERT INTO sales SELECT i, printf('%d.99', i) FROM n;`);
    agent = startAgentProcess(configFile);
    await waitFor(
      'the till to say it waits for its old backlog',
      async () => (await status()).sources.find((s) => s.name === 'till')?.lastError?.code === 'entity_move_waiting',
      { describe: () => agent!.output(), timeoutMs: 20_000 },
    );
    const waiting = (await status()).sources.find((s) => s.name === 'till')!;
    expect(waiting.lastError?.message).toMatch(/moves from entity store-1 to store-2 once what it read for store-1 has left: \d+ queued change/);
    await admin.clearFaults();

    const everything = TILL_ROWS + LATE_ROWS;
    await waitFor('every sale and ledger row in the cloud', async () => (await held('till')).length >= everything && (await held('erp')).length >= LEDGER_ROWS, {
      describe: async () => `${(await held('till')).length} sales, ${(await held('erp')).length} ledger rows; ${agent!.output()}`,
      timeoutMs: 90_000,
    });
    const till = await held('till');
    const ids = till.map((r) => Number(r.key.id));
    expect(new Set(ids).size).toBe(ids.length); // nothing doubled
    expect(ids.length).toBe(everything); // nothing lost
    for (const record of till) {
      const id = Number(record.key.id);
      // Read before the move (the first TILL_ROWS rows): store-1 only; read after it: store-2 only.
      expect(`${id}:${record.entity}`).toBe(`${id}:${id <= TILL_ROWS ? 'store-1' : 'store-2'}`);
    }
    const ledger = await held('erp');
    expect(ledger.length).toBe(LEDGER_ROWS);
    expect(new Set(ledger.map((r) => r.entity))).toEqual(new Set(['store-2']));
    const moved = await status();
    expect(moved.sources.find((s) => s.name === 'till')?.state).not.toBe('error');
    const audit = await runCli(['audit', 'list', '--json', '--config', configFile]);
    expect(audit.stdout).toContain('source-entity-moved');
  }, 180_000);
});
