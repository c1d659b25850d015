/**
 * Validation against the cloud's reference lists, offline (issue 13 items 2, 3, 5): a real
 * `tya-agent` fetches store-1's lists (ETags, cached in reference.db), then the sandbox stops and
 * ledger rows keep being validated from the cache: a row dated in a closed period is held for a
 * person, an unknown tax code is quarantined with the field named, a wrong amount fails the schema's
 * exact-decimal range, a good row is queued; when the sandbox returns only the good row arrives.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../agents/api/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';

let dir: string;
let sandbox: Sandbox;
let port: number;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-validation-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  port = Number(new URL(sandbox.url).port);
  db = createSqliteFile('validation');
  await db.exec(`CREATE TABLE ledger (id INTEGER PRIMARY KEY, booked TEXT NOT NULL, amount TEXT NOT NULL, tax_code TEXT NOT NULL);
    INSERT INTO ledger VALUES (1, '2026-12-01', '100.00', 'DE-19');`);
  writeFileSync(path.join(dir, 'ledger.rules.jsonc'), `{
    // What the cloud will book: a date in an open period, a known tax code, an amount in range.
    "stream": "ledger",
    "schema": { "type": "object", "required": ["booked", "amount", "tax_code"],
                "properties": { "booked": { "type": "string", "format": "date" }, "tax_code": { "type": "string" },
                                "amount": { "type": "string", "format": "money", "decimalMinimum": "0", "decimalMaximum": "1000000" } } },
    "rules": [ { "rule": "period", "date": "booked" },
               { "rule": "reference", "field": "tax_code", "list": "tax-codes", "column": "code" } ]
  }`);
  configFile = path.join(dir, 'agent.json');
  writeAgentConfig(configFile, {
    agent: { name: 'Validation', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
    sources: [{ type: 'odbc', name: 'erp', dialect: 'sqlite', connectionString: db.connectionString, intervalSecs: 1,
      streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], cursorColumn: 'id' }] }],
    streams: [{ source: 'erp', stream: 'ledger', rules: 'ledger.rules.jsonc' }],
  });
  const key = (await new SandboxAdmin(sandbox.url).createEnrollmentKey({ entities: ['store-1'] })).key;
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
  // Retry a failed list refresh every second (the agent's default is a minute), so the test sees it soon after the cloud returns.
  agent = startAgentProcess(configFile, { TYA_REFERENCE_RETRY_MS: '1000' });
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function quarantined(): Promise<QuarantineEntry[]> {
  const result = await runCli(['quarantine', 'list', '--json', '--config', configFile]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as QuarantineEntry[];
}

describe('validation against cached reference lists', () => {
  it('validates offline from the cache, holds a closed period, quarantines bad rows, sends the good ones', async () => {
    const admin = new SandboxAdmin(sandbox.url);
    await waitFor('row 1 validated and in the cloud', async () => (await admin.history({ source: 'erp' })).length === 1, { describe: () => agent!.output() });
    const lists = await runCli(['reference', 'list', '--json', '--config', configFile]);
    expect(lists.stdout).toContain('"periods"');
    await sandbox.close();
    await db.exec(`INSERT INTO ledger VALUES (2, '2026-11-28', '50.00', 'DE-19'), (3, '2026-12-02', '20.00', 'XX-99'),
      (4, '2026-12-03', '-5.00', 'DE-19'), (5, '2026-12-04', '75.10', 'DE-7');`);
    let waiting: QuarantineEntry[] = [];
    await waitFor('three rows stopped offline', async () => (waiting = await quarantined()).length === 3, { describe: () => agent!.output() });
    const byId = new Map(waiting.map((e) => [e.key.id, e]));
    expect(byId.get('2')?.status).toBe('held');
    expect(byId.get('2')?.reasons[0]).toMatchObject({ code: 'closed_period', path: 'booked', value: '2026-11-28', severity: 'hold' });
    expect(byId.get('2')?.reasons[0]?.message).toMatch(/2026-11.*closed/);
    expect(byId.get('3')?.reasons[0]).toMatchObject({ code: 'unknown_reference', path: 'tax_code', value: 'XX-99', severity: 'reject' });
    expect(byId.get('4')?.reasons[0]).toMatchObject({ code: 'range', path: 'amount', severity: 'reject' });
    // Row 5 is valid and queued: the agent learns the cloud is away when its delivery fails. Only an
    // outage the agent saw makes it revalidate the lists when the cloud answers again.
    const log = path.join(dir, 'data', 'logs', 'agent.log');
    await waitFor('a delivery failure while the sandbox is away', () => existsSync(log) && readFileSync(log, 'utf8').includes('Could not deliver'), { timeoutMs: 60_000, describe: () => agent!.output() });
    sandbox = await startSandbox({ port, dbPath: path.join(dir, 'sandbox.db') });
    const returnedAt = Date.now();
    const back = new SandboxAdmin(sandbox.url);
    // Row 5 is delivered once the agent's delivery retry (backoff) reaches the returned cloud: from then
    // on the agent knows the cloud answers, and the lists are revalidated within the retry interval
    // (1 s here, a minute by default), not at the next 15-minute round.
    await waitFor('row 5 in the cloud once the sandbox is back', async () => (await back.history({ source: 'erp' })).some((r) => r.key.id === '5'), { describe: () => agent!.output(), timeoutMs: 90_000 });
    // A short outage counts too: the agent's outage count moved while the cloud was away
    // (StatusTracker.cloudOutageCount), so the lists are checked again once it answers.
    await waitFor('the periods list checked again after the sandbox returned', async () => {
      const listed = JSON.parse((await runCli(['reference', 'list', '--json', '--config', configFile])).stdout) as Array<{ name: string; entity: string; checkedAt: string }>;
      return listed.some((l) => l.name === 'periods' && l.entity === 'store-1' && Date.parse(l.checkedAt) >= returnedAt);
    }, { describe: () => agent!.output(), timeoutMs: 30_000 });
    const held = await back.history({ source: 'erp' });
    expect(held.map((r) => r.key.id).sort()).toEqual(['1', '5']);
  }, 180_000);
});
