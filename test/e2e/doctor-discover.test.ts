/**
 * `tya-agent doctor` and `tya-agent discover` as an IT admin runs them: real CLI processes against
 * a good config (the sandbox cloud, SQLite and PostgreSQL sources) and a broken one (a driver that
 * is not installed, a database that does not exist, a role that cannot log in, a missing table, a
 * real PostgreSQL role without SELECT, a cloud whose clock is ten minutes off), and an invalid file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfigInput } from '../../agents/api/index.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, writeAgentConfig } from '../helpers/agent-process.ts';
import { createPostgresDatabase, createSqliteFile, POSTGRES, type ThrowawayDatabase } from '../helpers/databases.ts';
import { serviceMissing } from '../helpers/services.ts';

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let pg: ThrowawayDatabase;
let sqlite: ThrowawayDatabase;
const role = `tya_doctor_${process.pid}`;
/** Loopback "clouds" whose Date header is off by a given number of seconds. */
const skewedClouds: http.Server[] = [];

function skewedCloud(offsetSecs: number): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.sendDate = false;
    res.writeHead(404, { date: new Date(Date.now() + offsetSecs * 1000).toUTCString(), 'content-type': 'application/json' });
    res.end('{"error":{"code":"not_found","message":"no such route"}}');
  });
  skewedClouds.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function pgConnection(overrides: { database?: string; user?: string; driver?: string } = {}): string {
  return (
    `Driver={${overrides.driver ?? 'PostgreSQL Unicode'}};Server=${POSTGRES.host};Port=${POSTGRES.port};` +
    `Database=${overrides.database ?? pg.name};Uid=${overrides.user ?? POSTGRES.user}`
  );
}

/** A group that exists here (this process's own), so a good config passes the operator-group check too. */
const ownGroup = readFileSync('/etc/group', 'utf8')
  .split('\n')
  .map((line) => line.split(':'))
  .find((fields) => Number(fields[2]) === process.getgid?.())?.[0];

function config(name: string, cloudUrl: string, sources: AgentConfigInput['sources'], notify: AgentConfigInput['notify'] | null = WEBHOOK): string {
  return writeAgentConfig(path.join(dir, `${name}.json`), {
    agent: { name: `doctor ${name}`, dataDir: `data-${name}` },
    cloud: { url: cloudUrl, entity: 'store-1' },
    ...(ownGroup === undefined ? {} : { control: { operatorGroup: ownGroup } }),
    sources,
    ...(notify === null ? {} : { notify }),
  });
}

/** doctor sends nothing: the address only has to be one. */
const WEBHOOK = { webhook: { url: 'https://hooks.example.com/T0/B0/token' } };

const ledgerStream = [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], cursorColumn: 'id' }];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-doctor-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-doctor-cloud-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  pg = await createPostgresDatabase('doctor');
  await pg.exec(`
    CREATE TABLE ledger (id bigint PRIMARY KEY, account text NOT NULL, amount numeric(20,2) NOT NULL);
    CREATE TABLE payroll (id int PRIMARY KEY, salary numeric(10,2));
    INSERT INTO ledger VALUES (1, 'Kasse 1000', 12345678901234567.89), (2, 'Bank 1200', -0.01);
    DROP ROLE IF EXISTS ${role};
    CREATE ROLE ${role} LOGIN;
    GRANT SELECT ON ledger TO ${role};`);
  sqlite = createSqliteFile('doctor');
  await sqlite.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, changed INTEGER NOT NULL, price DECIMAL(10,2));
    CREATE TABLE shifts (id INTEGER PRIMARY KEY, till TEXT NOT NULL, z INTEGER NOT NULL, closed DATETIME);
    CREATE TABLE receipts (id INTEGER PRIMARY KEY, shift_id INTEGER NOT NULL, total TEXT NOT NULL);`);
}, 60_000);

afterAll(async () => {
  await Promise.all(skewedClouds.map((server) => new Promise((resolve) => server.close(resolve))));
  await sandbox?.close();
  await pg?.exec(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; DROP ROLE IF EXISTS ${role};`).catch(() => undefined);
  await pg?.drop();
  await sqlite?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (cloudDir) rmSync(cloudDir, { recursive: true, force: true });
});

describe.skipIf(serviceMissing('postgresql'))('tya-agent doctor', () => {
  it('says all is well for a good config, and exits 0', async () => {
    const file = config('good', sandbox.url, [
      {
        type: 'odbc',
        name: 'pos',
        dialect: 'sqlite',
        connectionString: sqlite.connectionString,
        streams: [{ name: 'items', table: 'items', keyColumns: ['id'], cursorColumn: 'changed' }],
        documents: [
          {
            name: 'shift_close',
            shift: { table: 'shifts', keyColumns: ['id'], registerColumn: 'till', zNumberColumn: 'z', closedWhen: { type: 'closeColumnSet', column: 'closed' } },
            receipts: { table: 'receipts', match: { shift_id: 'id' }, idColumn: 'id', totalColumn: 'total' },
          },
        ],
      },
      { type: 'odbc', name: 'erp', dialect: 'postgresql', connectionString: pgConnection(), streams: ledgerStream },
    ]);
    const result = await runCli(['doctor', '--config', file]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    for (const expected of [
      /^✓ Node\.js 24\./,
      /^✓ The config .*good\.json is valid: 2 sources \(pos, erp\)\.$/,
      /^✓ The data dir .*data-good will be created in .*, which is writable; [\d.]+ [KMGT]?B free on its disk\.$/,
      /^✓ The OS keychain works: a test secret was stored, read back and removed\.$/,
      /^✓ ODBC drivers installed: .*PostgreSQL Unicode.*MariaDB Unicode.*SQLite3/,
      /^✓ ODBC data sources \(DSNs\): /,
      /^✓ Source "pos": Connected to SQLite /,
      /^ {4}Document "shift_close": table shifts is readable; no shift is closed yet/,
      /^✓ Source "erp": Connected to PostgreSQL \d+/,
      /^✓ The cloud http:\/\/127\.0\.0\.1:\d+ answered \(HTTP \d{3}\) in \d+ ms\.$/,
      /^✓ The clock agrees with the cloud's/,
      /^✓ Alerts go to: webhook \(https:\/\/hooks\.example\.com\)\.$/,
    ]) {
      expect(lines.some((line) => expected.test(line)), `${expected} in:\n${result.stdout}`).toBe(true);
    }
    expect(result.stdout).not.toMatch(/^✗/m);
    expect(result.stdout).toMatch(/^All checks passed\.$/m);
  });

  it('names every problem with what to do, and exits 3', async () => {
    const farAhead = await skewedCloud(-600);
    const file = config('broken', farAhead, [
      { type: 'odbc', name: 'no-driver', dialect: 'postgresql', connectionString: pgConnection({ driver: 'PostgreSQL Unicode9' }), streams: ledgerStream },
      { type: 'odbc', name: 'no-database', dialect: 'postgresql', connectionString: pgConnection({ database: `${pg.name}_gone` }), streams: ledgerStream },
      { type: 'odbc', name: 'bad-login', dialect: 'postgresql', connectionString: pgConnection({ user: 'nobody_at_all' }), streams: ledgerStream },
      {
        type: 'odbc',
        name: 'no-table',
        dialect: 'postgresql',
        connectionString: pgConnection(),
        streams: [{ name: 'sales', table: 'sales_2019', keyColumns: ['id'], cursorColumn: 'id' }],
      },
      {
        type: 'odbc',
        name: 'no-permission',
        dialect: 'postgresql',
        connectionString: pgConnection({ user: role }),
        streams: [...ledgerStream, { name: 'payroll', table: 'payroll', keyColumns: ['id'], cursorColumn: 'id' }],
      },
    ], { email: { host: 'mail.example.com', from: 'agent@example.com', to: ['it@example.com'], username: 'agent@example.com', password: { secretRef: 'smtp/never-stored' } } });
    const result = await runCli(['doctor', '--config', file], { env: { HTTPS_PROXY: 'http://alice:s3cret@proxy.example:3128' } });
    expect(result.code, result.stdout + result.stderr).toBe(3);
    const out = result.stdout;
    expect(out).toMatch(/^✗ Source "no-driver" names the ODBC driver "PostgreSQL Unicode9", which is not installed\.\n {4}Install it: sudo apt-get install odbc-postgresql/m);
    expect(out).toMatch(/^✗ Source "no-database": .*the database does not exist\./m);
    expect(out).toMatch(/^✗ Source "bad-login": .*the login was refused\./m);
    expect(out).toMatch(/^- Source "no-driver": connection not tested, its ODBC driver or DSN is missing \(see above\)\.$/m);
    expect(out).toMatch(/^✗ Source "no-table": Connected to PostgreSQL .*\n {4}Stream "sales": .*table "sales_2019" was not found/m);
    expect(out).toMatch(/^ {4}Table sales_2019 does not exist in this database\./m);
    expect(out).toMatch(/^✗ Source "no-permission": /m);
    expect(out).toContain(`Table payroll exists, but the database user ${role} may not read it (permission denied). A database admin can allow it with: GRANT SELECT ON payroll TO ${role};`);
    expect(out).not.toMatch(/Table ledger .*may not read/);
    expect(out).toMatch(/^✓ The cloud http:\/\/127\.0\.0\.1:\d+ answered \(HTTP 404\)/m);
    expect(out).toContain('Proxy variables: HTTPS_PROXY=http://[credentials hidden]@proxy.example:3128.');
    expect(out).not.toContain('s3cret');
    expect(out).toMatch(/^✗ This machine's clock is (9 min 59 s|10 min [01] s) ahead of the cloud's: the cloud refuses requests signed more than 300 s off/m);
    expect(out).toMatch(/^✗ The mail password "smtp\/never-stored" named in notify\.email is not stored: alert e-mails cannot be sent\.\n {4}Store it with "tya-agent secret set smtp\/never-stored"/m);
    expect(out).toMatch(/^7 checks failed \(marked ✗\)/m);
  });

  it('warns about a clock a little off, and about no alert channel, without failing', async () => {
    const file = config('skewed', await skewedCloud(150), [
      { type: 'odbc', name: 'pos', dialect: 'sqlite', connectionString: sqlite.connectionString, streams: [{ name: 'items', table: 'items', keyColumns: ['id'], cursorColumn: 'changed' }] },
    ], null);
    const result = await runCli(['doctor', '--config', file]);
    expect(result.code, result.stdout).toBe(0);
    // The Date header has whole seconds: a second either way is its rounding.
    expect(result.stdout).toMatch(/^! This machine's clock is 2 min (29|30|31) s behind the cloud's\.$/m);
    expect(result.stdout).toMatch(/^! No alert channel is configured: a problem .* reaches nobody who does not look at status or the dashboard\.$/m);
    expect(result.stdout).toMatch(/^No check failed; 2 warnings above \(marked !\)\.$/m);
  });

  it('reports an invalid config file and still checks what it can', async () => {
    const file = path.join(dir, 'invalid.json');
    writeFileSync(file, '{ "agent": { "name": "x", "dataDir": "d" }, "cloud": { "url": "http://example.com", "entity": "s" } }');
    const result = await runCli(['doctor', '--config', file]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^✗ .*invalid\.json is not a valid agent configuration:/m);
    expect(result.stdout).toMatch(/cloud\.url: must be https/);
    expect(result.stdout).toMatch(/^✓ Node\.js/m);
    expect(result.stdout).toMatch(/^✓ The OS keychain works/m);
    expect(result.stdout).toMatch(/^- Sources, cloud, clock and alert channels not checked/m);
  });
});

describe.skipIf(serviceMissing('postgresql'))('tya-agent discover', () => {
  let file: string;

  beforeAll(() => {
    file = config('discover', sandbox.url, [
      { type: 'odbc', name: 'erp', dialect: 'postgresql', connectionString: pgConnection(), timeZone: 'Europe/Berlin', streams: ledgerStream },
      { type: 'odbc', name: 'erp-limited', dialect: 'postgresql', connectionString: pgConnection({ user: role }), streams: ledgerStream },
    ]);
  });

  it('lists the tables, marking those the source\'s user may not read', async () => {
    const result = await runCli(['discover', '--config', file, '--source', 'erp-limited']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Source "erp-limited" \(postgresql\): 1 schema \(public\), 2 tables and views\.$/m);
    expect(result.stdout).toMatch(/^ {2}public\.ledger +table$/m);
    expect(result.stdout).toMatch(/^ {2}public\.payroll +table {2}NOT READABLE by this user \(no SELECT permission\)$/m);
  });

  it('describes a table and previews its rows exactly, as text and as JSON', async () => {
    const text = await runCli(['discover', '--config', file, '--source', 'erp', '--table', 'ledger', '--preview', '2']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Table public\.ledger: 3 columns, primary key id\.$/m);
    expect(text.stdout).toMatch(/^ {2}amount +numeric\(20,2\) +not null$/m);
    expect(text.stdout).toContain('{"id":"1","account":"Kasse 1000","amount":"12345678901234567.89"}');
    const json = await runCli(['discover', '--config', file, '--source', 'erp', '--table', 'ledger', '--preview', '5', '--json']);
    const parsed = JSON.parse(json.stdout) as { primaryKey: string[]; columns: Array<{ name: string }>; preview: Array<Record<string, string>> };
    expect(parsed.primaryKey).toEqual(['id']);
    expect(parsed.columns.map((c) => c.name)).toEqual(['id', 'account', 'amount']);
    expect(parsed.preview).toEqual([
      { id: '1', account: 'Kasse 1000', amount: '12345678901234567.89' },
      { id: '2', account: 'Bank 1200', amount: '-0.01' },
    ]);
  });

  it('explains an unknown source (exit 2) and a missing table (exit 3)', async () => {
    const unknown = await runCli(['discover', '--config', file, '--source', 'pos']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no ODBC source named "pos".*\nWhat to do: Its ODBC sources are: erp, erp-limited\./);
    const missing = await runCli(['discover', '--config', file, '--source', 'erp', '--table', 'sales_2019']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/has no table "sales_2019" that this user can see/);
  });
});
