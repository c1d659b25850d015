/**
 * Schedules on a real agent process (issue 16 item 2): a source whose time window holds reads back
 * reads nothing until a person asks (`tya-agent sync`), then holds back again; a source with a read
 * time shows its next read in `status`. The rows travel over the SQLite ODBC driver to the sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-schedule-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('schedule');
  await db.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    ${Array.from({ length: 5 }, (_, i) => `INSERT INTO invoices VALUES (${i + 1}, '${i}.25');`).join('\n')}`);
  const stream = { name: 'invoices', table: 'invoices', keyColumns: ['id'], cursorColumn: 'id' };
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Schedules', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1' },
    sources: [
      {
        type: 'odbc',
        name: 'office-hours',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        intervalSecs: 0.5,
        // A window that never ends: only a person's "sync now" reads.
        schedule: { timeZone: 'Europe/Berlin', pauseDuring: ['daily 00:00-24:00'] },
        streams: [stream],
      },
      {
        type: 'odbc',
        name: 'new-year',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        timeZone: 'America/New_York',
        schedule: { readAt: '0 3 1 1 *' },
        streams: [stream],
      },
    ],
  });
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return JSON.parse(result.stdout) as AgentStatus;
}

describe('schedules on a running agent', () => {
  it('a held-back source reads only when asked; a timed source names its next read', async () => {
    const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
    expect((await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key })).code).toBe(0);
    agent = startAgentProcess(configFile);
    await waitFor(
      'both schedules in status',
      async () => (await status()).sources.every((s) => s.schedule !== undefined),
      {
        describe: () => agent!.output(),
      },
    );
    const before = await status();
    const held = before.sources.find((s) => s.name === 'office-hours')!;
    const timed = before.sources.find((s) => s.name === 'new-year')!;
    expect(held.schedule).toMatchObject({ readsAllowed: false, readAt: null, timeZone: 'Europe/Berlin' });
    const thisYear = new Date().getUTCFullYear();
    expect(timed.schedule).toMatchObject({ readsAllowed: true, readAt: '0 3 1 1 *', timeZone: 'America/New_York' });
    // 03:00 in New York on 1 January is 08:00 UTC (EST).
    expect(timed.schedule!.nextReadAt).toBe(`${thisYear + 1}-01-01T08:00:00.000Z`);
    const text = await runCli(['status', '--config', configFile]);
    expect(text.stdout).toMatch(/office-hours[\s\S]*schedule: reads held back by its time window/);
    expect(text.stdout).toMatch(new RegExp(`new-year[\\s\\S]*schedule: next read \\w+, 01/01/${thisYear + 1}, 03:00 America/New_York`));

    // Several read intervals pass: nothing is read by either source.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await admin.counts()).recordsAccepted).toBe(0);
    expect((await status()).sources.map((s) => s.recordsCaptured)).toEqual([0, 0]);

    // A person asks: the held-back source reads and delivers now.
    const sync = await runCli(['sync', '--source', 'office-hours', '--config', configFile]);
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);
    await waitFor('5 invoices in the sandbox', async () => (await admin.counts()).recordsAccepted === 5);

    // Held back again afterwards: a new row waits for the next request.
    await db.exec(`INSERT INTO invoices VALUES (6, '9.99');`);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await admin.counts()).recordsAccepted).toBe(5);
  });
});
