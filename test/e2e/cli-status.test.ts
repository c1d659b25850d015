/**
 * A `status` that tells the truth (issue 9, items 3 and 4): before the first run it is a status
 * (exit 8, JSON with --json), not a crash; last contact moves with every cloud answer; per-stream
 * delivered counts equal what the sandbox counts; events are acknowledged from the CLI while
 * conditions refuse to be, and the exit code follows (3 while either holds, 0 once none does).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
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
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-status-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('status');
  await db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    ${Array.from({ length: 7 }, (_, i) => `INSERT INTO customers VALUES (${i + 1}, 'C${i + 1}');`).join('\n')}
    ${Array.from({ length: 19 }, (_, i) => `INSERT INTO invoices VALUES (${i + 1}, '${i}.10');`).join('\n')}`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Status', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', batchMaxRecords: 5 },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        intervalSecs: 1,
        streams: [
          { name: 'customers', table: 'customers', keyColumns: ['id'], cursorColumn: 'id' },
          { name: 'invoices', table: 'invoices', keyColumns: ['id'], cursorColumn: 'id' },
        ],
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

async function statusJson(): Promise<{ code: number | null; status: AgentStatus }> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return { code: result.code, status: JSON.parse(result.stdout) as AgentStatus };
}

/** Writes to the running agent's outbox from outside, as a source would raise an alert. */
function withOutbox<T>(fn: (outbox: Outbox) => T): T {
  const outbox = Outbox.open({ path: path.join(dir, 'data', 'outbox.db'), maxBytes: 1 << 30, synchronous: 'FULL', clock: systemClock });
  try {
    return fn(outbox);
  } finally {
    outbox.close();
  }
}

describe('tya-agent status', () => {
  it('before the first run: a status that says so, exit 8 (not 1), and JSON with --json', async () => {
    const text = await runCli(['status', '--config', configFile]);
    expect(text.code, text.stderr).toBe(8);
    expect(text.stdout).toMatch(/has not run yet/);
    expect(text.stdout).toMatch(/^ {2}Alerts to: nowhere: no alert channel is configured, so a problem reaches only whoever looks/m);
    const json = await runCli(['status', '--json', '--config', configFile]);
    expect(json.code).toBe(8);
    const parsed = JSON.parse(json.stdout) as AgentStatus;
    expect(parsed.agent.running).toBe(false);
    expect(parsed.queue.depth).toBe(0);
  });

  it('a damaged outbox with no agent running: a critical alert that says what to do, not a crash', async () => {
    const damagedDir = mkdtempSync(path.join(os.tmpdir(), 'tya-status-damaged-'));
    try {
      mkdirSync(path.join(damagedDir, 'data'));
      // A SQLite header over garbage: the file claims to be a database and is not one.
      writeFileSync(path.join(damagedDir, 'data', 'outbox.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(8000)]));
      const config = writeAgentConfig(path.join(damagedDir, 'agent.json'), {
        agent: { name: 'Damaged', dataDir: 'data' },
        cloud: { url: sandbox.url, entity: 'store-1' },
        sources: [],
        notify: { webhook: { url: 'https://hooks.example.com/tya' }, syslog: { type: 'unix' } },
      });
      const json = await runCli(['status', '--json', '--config', config]);
      expect(json.code, json.stderr).toBe(8);
      const alert = (JSON.parse(json.stdout) as AgentStatus).alerts.find((a) => a.code === 'outbox_unreadable');
      expect(alert).toMatchObject({ severity: 'critical' });
      expect(alert!.message).toContain(path.join(damagedDir, 'data', 'outbox.db'));
      const text = await runCli(['status', '--config', config]);
      expect(text.code, text.stderr).toBe(8);
      expect(text.stdout).toMatch(/!! The outbox file .* cannot be read .*Start the agent/);
      expect(text.stdout).toMatch(/^ {2}Alerts to: webhook, syslog \("tya-agent alerts test" sends a test\)$/m);
      expect(text.stderr).not.toMatch(/bug in the agent/);
    } finally {
      rmSync(damagedDir, { recursive: true, force: true });
    }
  });

  it('last contact follows every answer; per-stream delivered equals the sandbox; events ack, conditions do not', async () => {
    const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
    expect((await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key })).code).toBe(0);
    agent = startAgentProcess(configFile);
    await waitFor('26 records in the sandbox', async () => (await admin.counts()).recordsAccepted === 26, {
      describe: () => agent!.output(),
    });
    await waitFor('an empty queue', async () => (await statusJson()).status.queue.depth === 0);

    // Contact now, long after the first answer: the new batch's answer must move it.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const before = Date.now();
    await db.exec(`INSERT INTO invoices VALUES (20, '99.00');`);
    await waitFor('the new invoice in the sandbox', async () => (await admin.counts()).recordsAccepted === 27);
    const { code, status } = await statusJson();
    expect(Date.parse(status.cloud.lastContactAt!)).toBeGreaterThanOrEqual(before - 1_000);
    expect(code).toBe(0);

    // Delivered per stream is what the sandbox counts (accepted + duplicates; nothing stale here).
    const counts = await admin.counts();
    const cloudByStream = Object.fromEntries(counts.streams.map((s) => [s.stream, s.records]));
    const ours = Object.fromEntries((status.queue.streams ?? []).map((s) => [s.stream, s.delivered]));
    expect(ours).toEqual({ customers: 7, invoices: 20 });
    expect(ours).toEqual(cloudByStream);
    expect(counts.duplicates).toBe(0);
    const text = await runCli(['status', '--config', configFile]);
    expect(text.stdout).toMatch(/erp\/invoices\s+20/);

    // An event (a short shift) and a condition: both make status "needs attention".
    withOutbox((outbox) => {
      outbox.raiseAlert({ code: 'shift_unbalanced:erp:shifts:R1:Z-00409', severity: 'warning', message: 'Shift Z-00409 is 3.20 short.' });
      outbox.raiseAlert({ code: 'cloud_url_mismatch', severity: 'warning', message: 'Enrolled with another URL.' });
    });
    expect((await statusJson()).code).toBe(3);
    const list = await runCli(['alerts', '--config', configFile]);
    expect(list.stdout).toMatch(/Conditions[\s\S]*cloud_url_mismatch[\s\S]*Events[\s\S]*shift_unbalanced:erp:shifts:R1:Z-00409/);

    const refused = await runCli(['alerts', 'ack', 'cloud_url_mismatch', '--config', configFile]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/cloud_url_mismatch is a condition/);
    const acked = await runCli(['alerts', 'ack', '--all', '--config', configFile]);
    expect(acked.code, acked.stderr).toBe(0);
    expect(acked.stdout).toMatch(/1 event acknowledged/);
    // The condition still holds: still 3.
    const stillCondition = await statusJson();
    expect(stillCondition.code).toBe(3);
    expect(stillCondition.status.alerts.map((a) => [a.code, a.kind])).toEqual([['cloud_url_mismatch', 'condition']]);
    // Its cause gone (the code that raised it clears it): 0.
    withOutbox((outbox) => outbox.clearAlert('cloud_url_mismatch'));
    expect((await statusJson()).code).toBe(0);

    // After a stop, the figures stay: what was read and delivered, per source and per stream.
    expect(await agent.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const stopped = await statusJson();
    expect(stopped.code).toBe(8);
    expect(stopped.status.sources[0]!.recordsCaptured).toBe(27);
    expect(stopped.status.sources[0]!.lastSuccessAt).not.toBeNull();
    expect(Object.fromEntries((stopped.status.queue.streams ?? []).map((s) => [s.stream, s.delivered]))).toEqual({ customers: 7, invoices: 20 });
  }, 240_000);
});
