/**
 * Journal entries from a database table (issue 13): a real `tya-agent` reads journal lines from
 * PostgreSQL over ODBC with `groupColumn: entry_id` and pages of two rows, so entries of three lines
 * are cut by every page. Each entry still reaches validation whole: a balanced entry is sent with its
 * group id, an unbalanced one is quarantined with every line, and an edit to one line of a posted entry
 * is judged with the entry's other lines (read with it), not alone; the unchanged lines are not sent again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../agents/api/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { createPostgresDatabase, type ThrowawayDatabase } from '../helpers/databases.ts';
import { serviceMissing } from '../helpers/services.ts';

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | undefined;

describe.skipIf(serviceMissing('postgresql'))('journal entries grouped by a column', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-journal-'));
    sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
    admin = new SandboxAdmin(sandbox.url);
    db = await createPostgresDatabase('journal');
    // Entry 1 balances (3 lines), entry 2 does not (debits 5.00, credits 4.99), entry 3 balances.
    // Lines of one entry are interleaved with another's in id order: pages cut them anywhere.
    await db.exec(`CREATE TABLE journal_lines (id integer PRIMARY KEY, entry_id text NOT NULL, rev integer NOT NULL,
        account text NOT NULL, side text NOT NULL, amount numeric(12,2) NOT NULL);
      INSERT INTO journal_lines VALUES
        (1, 'J1', 1, '1200', 'D', 100.00), (2, 'J1', 2, '4000', 'C', 84.03), (3, 'J2', 3, '6300', 'D', 5.00),
        (4, 'J1', 4, '1776', 'C', 15.97), (5, 'J2', 5, '1200', 'C', 4.99), (6, 'J3', 6, '1000', 'D', 20.00),
        (7, 'J3', 7, '8400', 'C', 20.00);`);
    writeFileSync(path.join(dir, 'journal.rules.json'), JSON.stringify({
      stream: 'journal',
      rules: [{ rule: 'balanced', amount: 'amount', side: 'side', debit: 'D', credit: 'C' }],
    }));
    configFile = path.join(dir, 'agent.json');
    writeAgentConfig(configFile, {
      agent: { name: 'Journal', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
      sources: [{ type: 'odbc', name: 'erp', dialect: 'postgresql', connectionString: db.connectionString, intervalSecs: 1,
        streams: [{ name: 'journal', table: 'journal_lines', keyColumns: ['id'], cursorColumn: 'rev', groupColumn: 'entry_id', pageRows: 2 }] }],
      streams: [{ source: 'erp', stream: 'journal', rules: 'journal.rules.json' }],
    });
    const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agent = startAgentProcess(configFile);
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
  const latest = () => admin.latest({ source: 'erp', stream: 'journal', limit: 1_000 });

  it('sends balanced entries whole under their group, and quarantines an unbalanced entry with every line', async () => {
    await waitFor('entries J1 and J3 in the cloud', async () => (await latest()).length >= 5, { describe: () => agent!.output() });
    await waitFor('entry J2 quarantined', async () => (await quarantined()).length >= 2, { describe: () => agent!.output() });
    const sent = await latest();
    expect(sent.map((r) => [r.key.id, r.group, r.data?.amount]).sort()).toEqual([
      ['1', 'journal:J1', '100.00'], ['2', 'journal:J1', '84.03'], ['4', 'journal:J1', '15.97'],
      ['6', 'journal:J3', '20.00'], ['7', 'journal:J3', '20.00'],
    ]);
    const held = await quarantined();
    expect(held.map((e) => [e.key.id, e.reasons[0]?.code]).sort()).toEqual([['3', 'unbalanced_entry'], ['5', 'unbalanced_entry']]);
    expect(held[0]!.reasons[0]!.message).toMatch(/J2.*5\.00.*4\.99/);
  });

  it('judges an edit to one line with the rest of its entry: an unbalancing edit holds the entry, a balanced one is sent', async () => {
    // One line of J3 changes alone: read alone it would look unbalanced whatever it said.
    await db.exec("UPDATE journal_lines SET amount = 21.00, rev = 8 WHERE id = 7");
    await waitFor('the edited line of J3 quarantined', async () => (await quarantined()).some((e) => e.group === 'journal:J3'), { describe: () => agent!.output() });
    // Judged with line 6 (read with it): the totals are the entry's, not the one line's. Line 6 itself
    // is unchanged and already in the cloud as it is, so only the edited line waits.
    const j3 = (await quarantined()).filter((e) => e.group === 'journal:J3');
    expect(j3.map((e) => [e.key.id, e.reasons[0]?.code])).toEqual([['7', 'unbalanced_entry']]);
    expect(j3[0]!.reasons[0]!.message).toContain('debits total 20.00, credits total 21.00');
    expect((await latest()).find((r) => r.key.id === '7')?.data?.amount).toBe('20.00');
    // The bookkeeper fixes it in the ERP: both lines now say 21.00, the entry balances and is sent.
    await db.exec("UPDATE journal_lines SET amount = 21.00, rev = 9 WHERE id = 6");
    await waitFor('J3 at 21.00 in the cloud', async () => {
      const rows = (await latest()).filter((r) => r.group === 'journal:J3');
      return rows.length === 2 && rows.every((r) => r.data?.amount === '21.00');
    }, { describe: () => agent!.output() });
    // Line 7's quarantined version is the one that went: its entry is resolved, not left waiting.
    expect((await quarantined()).filter((e) => e.group === 'journal:J3')).toEqual([]);
    // A one-line edit that keeps its entry balanced (the account) is sent at once.
    await db.exec("UPDATE journal_lines SET account = '1210', rev = 10 WHERE id = 1");
    await waitFor('line 1 with its new account', async () => (await latest()).find((r) => r.key.id === '1')?.data?.account === '1210', { describe: () => agent!.output() });
  });
});
