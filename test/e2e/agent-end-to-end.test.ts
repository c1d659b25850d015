/**
 * The foundation's one path, end to end over real processes: rows in a SQLite POS database and in a
 * PostgreSQL ledger, read over ODBC → `tya-agent run` → the sandbox cloud over HTTP. Enrollment, capture, exact values, status in
 * plain words, secrets nowhere but the keychain, clean shutdown.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { PosActivity } from '../../agents/cli/demo/pos-database.ts';
import { POS_STREAMS } from '../../agents/cli/demo/pos-schema.ts';
import { installationNamespace } from '../../agents/engine/installation.ts';
import { KeytarSecretStore, SecretRefs } from '../../agents/vault/index.ts';
import { AgentStatusSchema } from '../../agents/api/index.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { describeReconciliation, reconcile } from '../helpers/reconcile.ts';
import { sqliteRowsAsText } from '../helpers/pos-rows.ts';
import { createPostgresDatabase, type ThrowawayDatabase } from '../helpers/databases.ts';
import type { SourceRow } from '../helpers/reconcile.ts';
import { serviceMissing } from '../helpers/services.ts';

const EXACT_ROWS = [
  { id: 1, big: '9007199254740993', amount: '12345678901234567.89' }, // 2^53 + 1
  { id: 2, big: '9223372036854775807', amount: '-0.01' },
  { id: 3, big: '-9223372036854775808', amount: '0.10' },
];

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let pos: PosActivity;
let configFile: string;
let agent: AgentProcess | null = null;
let ledger: ThrowawayDatabase;

/** The ledger as PostgreSQL itself prints it: the text the cloud must hold, digit for digit. */
async function ledgerRows(): Promise<SourceRow[]> {
  const rows = await ledger.query('SELECT id::text, account, amount::text, big::text, row_version::text FROM ledger ORDER BY id');
  return rows.map(([id, account, amount, big, rowVersion]) => ({
    stream: 'ledger',
    key: { id: id! },
    data: { id: id!, account: account!, amount: amount ?? null, big: big ?? null, row_version: rowVersion! },
  }));
}

function streamsWithExact() {
  return [
    ...POS_STREAMS.map((s) => ({ ...s, keyColumns: [...s.keyColumns], pageRows: 7 })),
    { name: 'exact_values', table: 'exact_values', keyColumns: ['id'], cursorColumn: 'id', lane: 'bulk' as const },
  ];
}

async function deliveredCount(stream: string): Promise<number> {
  const counts = await admin.counts();
  return counts.streams.find((s) => s.source === 'pos-db' && s.stream === stream)?.records ?? 0;
}

async function waitUntilDelivered(): Promise<void> {
  for (const stream of streamsWithExact()) {
    const expected = sqliteRowsAsText(pos.path, stream.table, stream.name, stream.keyColumns).length;
    await waitFor(`${expected} ${stream.name} in the sandbox`, async () => (await deliveredCount(stream.name)) >= expected, {
      timeoutMs: 45_000,
      describe: async () => `sandbox has ${await deliveredCount(stream.name)}; agent output:\n${agent?.output() ?? ''}`,
    });
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-e2e-'));
  // The cloud's own store holds the signing secret by design: keep it out of the agent's folder.
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-e2e-cloud-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  pos = PosActivity.create(path.join(dir, 'pos.db'), { seed: 3, stores: 1, registersPerStore: 2, closedShiftsPerRegister: 1, receiptsPerShift: 8 });
  const db = new Database(pos.path);
  db.exec('CREATE TABLE exact_values (id INTEGER PRIMARY KEY, big INTEGER NOT NULL, amount TEXT NOT NULL)');
  for (const row of EXACT_ROWS) db.prepare('INSERT INTO exact_values VALUES (?, ?, ?)').run(row.id, BigInt(row.big), row.amount);
  db.close();
  ledger = await createPostgresDatabase('e2e_ledger');
  await ledger.exec(`
    CREATE SEQUENCE ledger_versions;
    CREATE TABLE ledger (
      id bigint PRIMARY KEY, account text NOT NULL, amount numeric(20,2), big bigint,
      row_version bigint NOT NULL DEFAULT nextval('ledger_versions'));
    INSERT INTO ledger (id, account, amount, big) VALUES
      (1, 'Kasse 1000', 12345678901234567.89, 9223372036854775807),
      (2, 'Bank 1200', -0.01, -9223372036854775808),
      (3, 'Ümsatzsteuer 1776 — 税', 0.00, 9007199254740993),
      (4, 'empty', NULL, NULL);`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'E2E back office', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-7', batchMaxRecords: 20, heartbeatIntervalSecs: 1 },
    sources: [
      {
        type: 'odbc',
        name: 'pos-db',
        dialect: 'sqlite',
        connectionString: `Driver={SQLite3};Database=${pos.path};Timeout=5000`,
        // The till's naive DATETIMEs are UTC here, so the expected text is easy to state independently.
        timeZone: 'UTC',
        intervalSecs: 1,
        streams: streamsWithExact(),
      },
      {
        type: 'odbc',
        name: 'ledger-db',
        dialect: 'postgresql',
        connectionString: ledger.connectionString,
        intervalSecs: 1,
        streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], cursorColumn: 'row_version', pageRows: 2 }],
      },
    ],
  });
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  pos?.close();
  await sandbox?.close();
  await ledger?.drop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe.skipIf(serviceMissing('postgresql'))('agent → sandbox over real processes (SQLite over ODBC)', () => {
  it('enrolls with a one-time key; the same host asking again gets the same identity', async () => {
    const { key } = await admin.createEnrollmentKey();
    const first = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Enrolled as \S+ with http:\/\/127\.0\.0\.1/);
    // A lost answer must not burn the key (cloud-api.md § Authentication 1): within 10 minutes the
    // same host is answered alike. Another host is refused (test/integration/delivery-enrollment.test.ts).
    const again = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.match(/Enrolled as (\S+)/)?.[1]).toBe(first.stdout.match(/Enrolled as (\S+)/)?.[1]);
  });

  it('says "not running" from the queue on disk before the agent starts (exit 8)', async () => {
    const result = await runCli(['status', '--config', configFile]);
    expect(result.code).toBe(8);
    expect(result.stdout).toMatch(/NOT RUNNING/);
    expect(result.stdout).toMatch(/Enrolled:\s+yes/);
  });

  it('delivers every row exactly once, then new rows and a shift close', async () => {
    agent = startAgentProcess(configFile);
    await waitUntilDelivered();
    pos.addReceipts(12);
    const closed = pos.closeShift(pos.registerIds()[0]!);
    expect(closed).not.toBeNull();
    await waitUntilDelivered();

    for (const stream of streamsWithExact()) {
      const rows = sqliteRowsAsText(pos.path, stream.table, stream.name, stream.keyColumns);
      const applied = await admin.records({ source: 'pos-db', stream: stream.name });
      const result = reconcile(rows, applied);
      expect(result.lost, describeReconciliation(result)).toEqual([]);
      expect(result.wrongContent, describeReconciliation(result)).toEqual([]);
      expect(result.duplicateEffects, describeReconciliation(result)).toEqual([]);
      expect(result.unexpected).toEqual([]);
    }
    // The closed shift went through as an update with its Z number.
    const shifts = await admin.records({ source: 'pos-db', stream: 'shifts' });
    expect(shifts.some((s) => s.data?.z_number === String(closed!.zNumber))).toBe(true);
  });

  it('keeps decimals and 64-bit integers exactly as the database has them', async () => {
    const applied = await admin.records({ source: 'pos-db', stream: 'exact_values' });
    const byId = new Map(applied.map((r) => [r.key.id, r.data]));
    for (const row of EXACT_ROWS) {
      expect(byId.get(String(row.id))).toEqual({ id: String(row.id), big: row.big, amount: row.amount });
    }
  });

  it('delivers the PostgreSQL ledger exactly once with its own text for numeric and bigint, updates included', async () => {
    const ledgerCount = async () => (await admin.counts()).streams.find((c) => c.source === 'ledger-db')?.records ?? 0;
    await waitFor('the ledger in the cloud', async () => (await ledgerCount()) >= 4, { timeoutMs: 30_000, describe: () => agent!.output() });
    await ledger.exec(`
      INSERT INTO ledger (id, account, amount, big) VALUES (5, 'Kasse 1000', 99999999999999999.99, 1);
      UPDATE ledger SET amount = 18.40, row_version = nextval('ledger_versions') WHERE id = 2;`);
    await waitFor('the insert and the update', async () => (await ledgerCount()) >= 6, { timeoutMs: 30_000 });
    const applied = await admin.records({ source: 'ledger-db', stream: 'ledger' });
    const result = reconcile(await ledgerRows(), applied);
    expect(result.lost, describeReconciliation(result)).toEqual([]);
    expect(result.wrongContent, describeReconciliation(result)).toEqual([]);
    expect(result.duplicateEffects, describeReconciliation(result)).toEqual([]);
    const first = applied.find((r) => r.key.id === '1')!;
    expect(first.data).toMatchObject({ amount: '12345678901234567.89', big: '9223372036854775807' });
  });

  it('reports its state in plain words and as JSON', async () => {
    const text = await runCli(['status', '--config', configFile]);
    expect(text.stdout).toMatch(/Agent:\s+running \(pid \d+\)/);
    expect(text.stdout).toMatch(/Cloud:\s+reachable/);
    expect(text.stdout).toMatch(/Queue:\s+0 changes waiting/);
    expect(text.stdout).toMatch(/pos-db\s+ok/);
    const json = await runCli(['status', '--json', '--config', configFile]);
    const status = AgentStatusSchema.parse(JSON.parse(json.stdout));
    expect(status.enrollment.enrolled).toBe(true);
    expect(status.queue.depth).toBe(0);
    expect(status.queue.delivered).toBeGreaterThan(0);
    expect(status.sources.map((s) => [s.name, s.state])).toEqual([
      ['pos-db', 'ok'],
      ['ledger-db', 'ok'],
    ]);
  });

  it('sends heartbeats with a status summary and runs the cloud\'s commands from them', async () => {
    const beats = await admin.heartbeats();
    expect(beats.length).toBeGreaterThan(0);
    const last = beats.at(-1)!;
    expect(JSON.stringify(last)).toMatch(/"queue"/);
    expect(JSON.stringify(last)).not.toMatch(/12345678901234567/); // never record data
    const agentId = (await admin.agents())[0]!.agentId;
    await admin.queueCommand(agentId, 'pause', { source: 'ledger-db' });
    const sourceState = async (name: string) =>
      AgentStatusSchema.parse(JSON.parse((await runCli(['status', '--json', '--config', configFile])).stdout)).sources.find((s) => s.name === name)?.state;
    // Each look is a `tya-agent status` process: on two loaded cores (CI beside other jobs) one takes
    // seconds, and 15 s once ran out before the command arrived; the command itself comes in one beat.
    await waitFor('the ledger source to pause', async () => (await sourceState('ledger-db')) === 'paused', { timeoutMs: 40_000 });
    expect(await sourceState('pos-db')).toBe('ok');
    await admin.queueCommand(agentId, 'resume', { source: 'ledger-db' });
    await waitFor('the ledger source to resume', async () => (await sourceState('ledger-db')) === 'ok', { timeoutMs: 40_000 });
  }, 120_000);

  it('keeps the cloud secrets in the keychain and in no file, log line or output', async () => {
    const dataDir = path.join(dir, 'data');
    const store = new KeytarSecretStore({ namespace: installationNamespace(dataDir) });
    const secrets = [await store.get(SecretRefs.clientSecret), await store.get(SecretRefs.signingSecret)];
    expect(secrets.every((s) => typeof s === 'string' && s.length >= 16)).toBe(true);

    const status = await runCli(['status', '--json', '--config', configFile]);
    const artefacts = [
      ...listFiles(dir).map((file) => ({ name: file, bytes: readFileSync(file) })),
      { name: 'agent output', bytes: Buffer.from(agent!.output()) },
      { name: 'status output', bytes: Buffer.from(status.stdout + status.stderr) },
    ];
    expect(artefacts.length).toBeGreaterThan(4);
    for (const secret of secrets) {
      for (const artefact of artefacts) {
        expect(artefact.bytes.includes(Buffer.from(secret!)), `secret found in ${artefact.name}`).toBe(false);
      }
    }
  });

  it('stops cleanly on SIGTERM and hands over the control file', async () => {
    const exit = await agent!.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(readdirSync(path.join(dir, 'data'))).not.toContain('control.json');
    agent = null;
  });
});

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(root, name))
    .filter((file) => statSync(file).isFile());
}
