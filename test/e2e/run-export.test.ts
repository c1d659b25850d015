/**
 * Exports over real processes (issue 16 item 3, the `run-export` command of cloud-api.md): a real
 * `tya-agent run` reads a PostgreSQL table over ODBC into CSV and a query into JSON lines, uploads
 * them through `PUT /v1/files` with `export=<name>` on the cloud's signed command, and the cloud
 * holds exactly the bytes `tya-agent export` writes locally: money to the last digit, a BIGINT past
 * 2^53, NULL and Unicode. An upload whose answer is lost after the cloud stored it is asked for
 * again and still leaves one file; an unknown export is refused by name.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { createPostgresDatabase, type ThrowawayDatabase } from '../helpers/databases.ts';
import { serviceMissing } from '../helpers/services.ts';

const ROWS = 3000;
let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | undefined;
let agentId: string;

describe.skipIf(serviceMissing('postgresql'))('run-export from the cloud', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-export-e2e-'));
    sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
    admin = new SandboxAdmin(sandbox.url);
    db = await createPostgresDatabase('export_e2e');
    await db.exec(`CREATE TABLE ledger (id INT PRIMARY KEY, account TEXT NOT NULL, amount NUMERIC(20,2) NOT NULL, big BIGINT, memo TEXT);
      INSERT INTO ledger SELECT g, '4000', (g || '.05')::numeric, g, 'Rechnung ' || g FROM generate_series(1, ${ROWS}) g;
      INSERT INTO ledger VALUES (900001, '1200', 12345678901234567.89, 9007199254740993, 'Łódź; "Zahlung", Ž'), (900002, '1200', -0.10, NULL, NULL);`);
    configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
      agent: { name: 'Exports', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
      sources: [
        {
          type: 'odbc',
          name: 'books',
          dialect: 'postgresql',
          connectionString: db.connectionString,
          intervalSecs: 60,
          streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], mode: 'snapshot' }],
        },
      ],
      exports: [
        { name: 'ledger', source: 'books', table: 'ledger', fetchRows: 700 },
        { name: 'receivables', source: 'books', query: "SELECT account, SUM(amount) AS total, COUNT(*) AS n FROM ledger WHERE account = '1200' GROUP BY account", format: 'jsonl' },
      ],
    });
    const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agent = startAgentProcess(configFile);
    await waitFor('the agent’s first heartbeat', async () => (await admin.heartbeats()).length > 0, { describe: () => agent!.output() });
    agentId = (await admin.agents())[0]!.agentId;
  }, 60_000);

  afterAll(async () => {
    await agent?.kill('SIGKILL');
    await sandbox?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The agent's console, how many heartbeats the cloud saw, and the end of its log. */
  async function whatTheAgentDid(): Promise<string> {
    const log = path.join(dir, 'data', 'logs', 'agent.log');
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-40).join('\n') : '(no log file)';
    return `${agent!.output()}\nheartbeats the cloud received: ${(await admin.heartbeats()).length}\nend of ${log}:\n${tail}`;
  }

  async function ackOf(name: string, args: Record<string, unknown>) {
    const sent = performance.now();
    const id = await admin.queueCommand(agentId, name, args);
    // Under the tests' own 60 s, so a missing ack says what the agent was doing instead of a bare timeout.
    await waitFor(`the ack of ${name}`, async () => (await admin.acks(agentId)).some((a) => a.commandId === id), { timeoutMs: 45_000, describe: whatTheAgentDid });
    const ack = (await admin.acks(agentId)).find((a) => a.commandId === id)!;
    return { ...ack, ms: Math.round(performance.now() - sent) };
  }

  it('uploads the table as CSV with the bytes "tya-agent export" writes, exact to the last digit', async () => {
    const ack = await ackOf('run-export', { name: 'ledger' });
    expect(ack.ok, JSON.stringify(ack.ack)).toBe(true);
    const result = (ack.ack as { result: { sha256: string; rows: number; fileName: string } }).result;
    expect(result.rows).toBe(ROWS + 2);
    process.stdout.write(`run-export ledger: ${result.rows} rows acknowledged ${ack.ms} ms after the command was queued (heartbeat every 1 s)\n`);
    const stored = (await admin.files()).filter((f) => f.exportName === 'ledger');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ sha256: result.sha256, source: 'books', name: result.fileName, contentType: 'text/csv; charset=utf-8' });
    const inCloud = (await admin.fileContent(result.sha256, 'store-1')).toString('utf8');
    expect(inCloud).toContain('\r\n900001,1200,12345678901234567.89,9007199254740993,"Łódź; ""Zahlung"", Ž"\r\n');
    expect(inCloud).toContain('\r\n900002,1200,-0.10,,\r\n');
    expect(inCloud.split('\r\n').filter((l) => l !== '')).toHaveLength(ROWS + 3);

    const local = path.join(dir, 'ledger-local.csv');
    const cli = await runCli(['export', 'ledger', '-o', local, '--config', configFile]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`${ROWS + 2} rows`);
    expect(readFileSync(local, 'utf8')).toBe(inCloud);
    // The data dir keeps nothing of an export once it is uploaded.
    const work = path.join(dir, 'data', 'exports');
    expect(existsSync(work) ? readdirSync(work) : []).toEqual([]);
  }, 90_000);

  it('uploads a query as JSON lines with exact sums and counts', async () => {
    const ack = await ackOf('run-export', { name: 'receivables' });
    expect(ack.ok, JSON.stringify(ack.ack)).toBe(true);
    const { sha256 } = (ack.ack as { result: { sha256: string } }).result;
    const lines = (await admin.fileContent(sha256, 'store-1')).toString('utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ account: '1200', total: '12345678901234567.79', n: '2' }]);
  }, 60_000);

  it('an upload whose answer is lost is asked for again and leaves one file in the cloud', async () => {
    await admin.addFault({ method: 'PUT', pathPrefix: '/v1/files', dropConnection: 'afterCommit', times: 1 });
    const before = (await admin.files()).filter((f) => f.exportName === 'ledger').length;
    let ack = await ackOf('run-export', { name: 'ledger' });
    // Either the agent's own retry saw the cloud's 200 (already held), or the command failed and the cloud asks again.
    if (!ack.ok) ack = await ackOf('run-export', { name: 'ledger' });
    expect(ack.ok, JSON.stringify(ack.ack)).toBe(true);
    // The same content has the same hash: the cloud keeps one file, whatever the tries.
    expect((await admin.files()).filter((f) => f.exportName === 'ledger')).toHaveLength(before);
  }, 90_000);

  it('refuses an export it does not have, naming the ones it has', async () => {
    const ack = await ackOf('run-export', { name: 'payroll' });
    expect(ack.ok).toBe(false);
    expect(JSON.stringify(ack.ack)).toContain('no export named \\"payroll\\"');
    expect(JSON.stringify(ack.ack)).toContain('ledger, receivables');
  }, 60_000);
});
