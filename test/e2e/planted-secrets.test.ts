/**
 * Secrets never leak (issue 12 item 7). Known values are planted as the enrollment key, the ERP
 * database password (set through the dashboard's credential route), and the agent's own client and
 * signing secrets (read back from the keychain after enrollment, then rotated so the new ones are
 * planted too). The agent then enrolls, syncs, fails (the cloud answers 503s, the database is
 * briefly missing), and is asked for `status`, `doctor`, every read route of the control API and
 * a support bundle. The proxy password (every request goes through a Basic proxy) and a client
 * key's passphrase (doctor loads the key) are planted as well. Afterwards every log line, every
 * process output, every file in the data folder (the outbox and its WAL byte for byte), every API
 * answer and every file in the bundle is searched
 * for each secret in its plain, JSON-escaped and URL-encoded forms: zero hits. Meanwhile `ps` is
 * read every 100 ms: no secret on any process's command line.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readControlFileSync } from '../../agents/control/control-file.ts';
import { CONTROL_API_PREFIX } from '../../agents/control/control-protocol.ts';
import { installationNamespace } from '../../agents/engine/installation.ts';
import { KeytarSecretStore, SecretRefs, secretForms } from '../../agents/vault/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { makeTlsFiles, type TlsFiles } from '../helpers/tls-certificates.ts';
import {
  runCli,
  startAgentProcess,
  waitFor,
  writeAgentConfig,
  type AgentProcess,
  type CliResult,
} from '../helpers/agent-process.ts';

const run = promisify(execFile);
const DB_PASSWORD = 'planted-DB-pa55word-c41e';
const PROXY_PASSWORD = 'planted-PROXY-pa55-8d1f';
/** Every request goes through this proxy, which wants PROXY_PASSWORD (Basic). */
let proxy: ConnectProxy;
/** A client certificate whose key is encrypted: its passphrase is planted too. */
let tlsFiles: TlsFiles;
let dir: string;
let dataDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let enrollmentKey: string;
let agent: AgentProcess | undefined;
/** Everything a person or another program could have seen: outputs, answers, files. */
const seen: Array<{ where: string; text: string }> = [];
/** Command lines of every process, sampled while the test runs. */
const commandLines = new Set<string>();
let psTimer: NodeJS.Timeout | undefined;

function note(where: string, text: string | Buffer): void {
  seen.push({ where, text: typeof text === 'string' ? text : text.toString('latin1') });
}

function noteCli(what: string, result: CliResult): CliResult {
  note(`${what} stdout`, result.stdout);
  note(`${what} stderr`, result.stderr);
  return result;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-planted-'));
  dataDir = path.join(dir, 'data');
  psTimer = setInterval(() => {
    void run('ps', ['-eo', 'args', '--no-headers'], { maxBuffer: 8 << 20 }).then(
      ({ stdout }) => stdout.split('\n').forEach((line) => commandLines.add(line)),
      () => undefined,
    );
  }, 100);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  proxy = await startConnectProxy({ basic: { username: 'planted-agent', password: PROXY_PASSWORD } });
  tlsFiles = makeTlsFiles();
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('planted');
  await db.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL);
    INSERT INTO invoices VALUES (1, '12.50'), (2, '99.99');`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Planted', dataDir: 'data' },
    cloud: {
      url: sandbox.url,
      entity: 'store-1',
      heartbeatIntervalSecs: 1,
      retryBaseMs: 50,
      retryMaxMs: 500,
      proxy: { mode: 'manual', url: proxy.url, username: 'planted-agent', password: { secretRef: 'cloud/proxy-password' } },
      tls: {
        clientCert: tlsFiles.clientCert,
        clientKey: tlsFiles.clientKey,
        clientKeyPassphrase: { secretRef: 'cloud/client-key-passphrase' },
      },
    },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        password: { secretRef: 'erp/password' },
        intervalSecs: 1,
        streams: [{ name: 'invoices', table: 'invoices', keyColumns: ['id'], cursorColumn: 'id' }],
      },
    ],
  });
  enrollmentKey = (await admin.createEnrollmentKey({ key: 'planted-enrollment-KEY-5b9d02', entities: ['store-1'] }))
    .key;
});

afterAll(async () => {
  if (psTimer !== undefined) clearInterval(psTimer);
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await proxy?.close();
  tlsFiles?.remove();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function apiGet(route: string): Promise<string> {
  const control = readControlFileSync(dataDir);
  expect(control).not.toBeNull();
  const response = await fetch(`http://127.0.0.1:${control!.port}${CONTROL_API_PREFIX}${route}`, {
    headers: { authorization: `Bearer ${control!.token}` },
  });
  const text = await response.text();
  note(`GET ${route}`, text);
  return text;
}

async function agentSecrets(): Promise<string[]> {
  const store = new KeytarSecretStore({ namespace: installationNamespace(dataDir) });
  const values = await Promise.all([SecretRefs.clientSecret, SecretRefs.signingSecret].map((ref) => store.get(ref)));
  expect(values.every((v) => v !== undefined && v.length >= 16)).toBe(true);
  return values as string[];
}

/** Every file under `root`, as bytes. */
function filesUnder(root: string): Array<{ file: string; bytes: Buffer }> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  for (const name of readdirSync(root)) {
    const full = path.join(root, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full));
    else out.push({ file: full, bytes: readFileSync(full) });
  }
  return out;
}

describe('planted secrets', () => {
  it('appear in no log, output, data file, API answer, support bundle or command line', async () => {
    // The proxy password before enrolling (enrollment goes through the proxy), from standard input.
    const proxySecret = noteCli(
      'secret set',
      await runCli(['secret', 'set', 'cloud/proxy-password', '--config', configFile], { input: PROXY_PASSWORD }),
    );
    expect(proxySecret.code, proxySecret.stderr).toBe(0);
    noteCli(
      'enroll',
      await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: enrollmentKey }),
    );
    const planted = [DB_PASSWORD, PROXY_PASSWORD, tlsFiles.clientKeyPassphrase, enrollmentKey, ...(await agentSecrets())];

    agent = startAgentProcess(configFile);
    await waitFor('the agent to publish its control API', () => readControlFileSync(dataDir) !== null, {
      describe: () => agent!.output(),
    });
    // The database password through the dashboard's write-only credential route.
    const control = readControlFileSync(dataDir)!;
    const put = await fetch(
      `http://127.0.0.1:${control.port}${CONTROL_API_PREFIX}/settings/secrets/${encodeURIComponent('erp/password')}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: DB_PASSWORD }),
      },
    );
    note('PUT secret', await put.text());
    expect(put.status).toBe(200);
    // The client key's passphrase the same way (doctor loads the key with it below).
    const putPassphrase = await fetch(
      `http://127.0.0.1:${control.port}${CONTROL_API_PREFIX}/settings/secrets/${encodeURIComponent('cloud/client-key-passphrase')}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: tlsFiles.clientKeyPassphrase }),
      },
    );
    note('PUT passphrase', await putPassphrase.text());
    expect(putPassphrase.status).toBe(200);
    await waitFor('both invoices in the cloud', async () => (await admin.counts()).recordsAccepted === 2, {
      describe: () => agent!.output(),
    });

    // Failures: the cloud answers 503 for a while, the database file disappears for a while.
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/', status: 503, times: 5 });
    await db.exec(`INSERT INTO invoices VALUES (3, '1.00');`);
    const dbFile = db.connectionString.match(/Database=([^;]+)/i)?.[1];
    if (dbFile !== undefined) {
      renameSync(dbFile, `${dbFile}.away`);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      renameSync(`${dbFile}.away`, dbFile);
    }
    await waitFor('the third invoice after the failures', async () => (await admin.counts()).recordsAccepted === 3, {
      timeoutMs: 60_000,
      describe: () => agent!.output(),
    });

    // Rotation: the new client and signing secrets are planted too.
    const [registered] = await admin.agents();
    const rotateId = await admin.queueCommand(registered!.agentId, 'rotate-credentials');
    await waitFor(
      'the rotation',
      async () => (await admin.acks(registered!.agentId)).some((a) => a.commandId === rotateId && a.ok),
      {
        describe: () => agent!.output(),
      },
    );
    planted.push(...(await agentSecrets()));

    noteCli('status', await runCli(['status', '--config', configFile]));
    noteCli('status --json', await runCli(['status', '--json', '--config', configFile]));
    const doctor = noteCli('doctor', await runCli(['doctor', '--config', configFile]));
    // The passphrase was used: the encrypted client key loaded.
    expect(doctor.stdout).toContain('TLS settings load: client certificate');
    noteCli('alerts', await runCli(['alerts', '--json', '--config', configFile]));
    noteCli('audit list', await runCli(['audit', 'list', '--json', '--config', configFile]));
    for (const route of [
      '/status',
      '/sources',
      '/settings',
      '/activity',
      '/audit',
      '/alerts',
      '/dlq',
      '/queue',
      '/history',
      '/diagnostics',
      '/files',
      '/completeness',
      '/shifts',
      '/session',
      '/openapi.json',
    ]) {
      await apiGet(route);
    }
    const bundle = path.join(dir, 'bundle.zip');
    noteCli('support-bundle', await runCli(['support-bundle', '--output', bundle, '--config', configFile]));
    const unzipped = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({n: z.read(n).decode("latin-1") for n in z.namelist()}))',
          bundle,
        ],
        {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        },
      ),
    ) as Record<string, string>;
    expect(Object.keys(unzipped).length).toBeGreaterThan(3);
    for (const [name, text] of Object.entries(unzipped)) note(`bundle ${name}`, text);

    await agent.kill('SIGTERM');
    note('agent output', agent.output());
    note('config file', readFileSync(configFile));
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.file.endsWith('outbox.db'))).toBe(true);
    for (const { file, bytes } of files) note(path.relative(dir, file), bytes);

    const hits: string[] = [];
    for (const secret of planted) {
      for (const form of secretForms(secret)) {
        for (const { where, text } of seen) if (text.includes(form)) hits.push(`${where} holds ${secret.slice(0, 6)}…`);
        for (const line of commandLines)
          if (line.includes(form)) hits.push(`a command line holds ${secret.slice(0, 6)}…: ${line.slice(0, 80)}`);
      }
    }
    expect(seen.length).toBeGreaterThan(30);
    // The search itself works: the agent's name, which is not secret, is found where it should be.
    expect(seen.filter(({ text }) => text.includes('Planted')).length).toBeGreaterThan(3);
    expect(commandLines.size).toBeGreaterThan(10);
    // The proxy password was used: every tunnel was opened with it.
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  }, 180_000);
});
