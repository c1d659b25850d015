/**
 * The support bundle (issue 16 item 5) with planted secrets: a database password, the agent's own
 * client and signing secrets and the enrollment key. `tya-agent support-bundle` and the cloud's
 * `collect-diagnostics` each produce a zip with config, status, doctor, queue figures and the log;
 * neither holds any secret in any form, nor record data.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationNamespace } from '../../agents/engine/installation.ts';
import { KeytarSecretStore, SecretRefs, secretForms } from '../../agents/vault/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

const DB_PASSWORD = 'planted-db-password-7f3a91';
const WEBHOOK_TOKEN = 'planted-webhook-token-Xk27pq';
let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let enrollmentKey: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bundle-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('bundle');
  await db.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT NOT NULL, customer TEXT NOT NULL);
    INSERT INTO invoices VALUES (1, '12.50', 'Record-Data-Customer-Alpha');`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Bundle', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
    // A chat or paging webhook carries its token in the path: it must not leave in a bundle.
    notify: { webhook: { url: `https://hooks.example.com/services/T0/B0/${WEBHOOK_TOKEN}?key=${WEBHOOK_TOKEN}` } },
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
  expect((await runCli(['secret', 'set', 'erp/password', '--config', configFile], { input: DB_PASSWORD })).code).toBe(
    0,
  );
  enrollmentKey = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], {
    input: enrollmentKey,
  });
  expect(enrolled.code, enrolled.stderr).toBe(0);
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file in the zip, unpacked by Python's zipfile (a reader that is not ours). */
function unzip(zip: Buffer): Record<string, string> {
  const file = path.join(dir, `check-${Date.now()}.zip`);
  writeFileSync(file, zip);
  const script =
    'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).decode("utf-8") for n in z.namelist()}))';
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 << 20 })) as Record<
    string,
    string
  >;
}

async function plantedSecrets(): Promise<string[]> {
  const store = new KeytarSecretStore({ namespace: installationNamespace(path.join(dir, 'data')) });
  const own = await Promise.all([SecretRefs.clientSecret, SecretRefs.signingSecret].map((ref) => store.get(ref)));
  expect(own.every((value) => value !== undefined && value.length > 10)).toBe(true);
  return [DB_PASSWORD, enrollmentKey, WEBHOOK_TOKEN, ...(own as string[])];
}

function expectClean(files: Record<string, string>, secrets: readonly string[]): void {
  expect(Object.keys(files)).toEqual(
    expect.arrayContaining([
      'manifest.json',
      'config.json',
      'status.json',
      'schedules.json',
      'queue.json',
      'doctor.txt',
      'logs/agent.log',
    ]),
  );
  for (const [name, text] of Object.entries(files)) {
    for (const secret of secrets)
      for (const form of secretForms(secret)) expect(text.includes(form), `${name} holds a secret`).toBe(false);
    expect(text.includes('Record-Data-Customer-Alpha'), `${name} holds record data`).toBe(false);
  }
  expect(JSON.parse(files['manifest.json']!)).toMatchObject({ includesRecordData: false });
  expect(files['doctor.txt']).toMatch(/doctor/);
  const bundled = JSON.parse(files['config.json']!) as { config: { sources: Array<{ password?: unknown }>; notify: { webhook: { url: string } } } };
  expect(bundled.config.sources[0]!.password).toEqual({ secretRef: 'erp/password' });
  expect(bundled.config.notify.webhook.url).toBe("https://hooks.example.com/… (path and query withheld: they may hold the receiver's token)");
}

describe('support bundle', () => {
  it('from the CLI and through collect-diagnostics: everything support needs, no secret, no record data', async () => {
    agent = startAgentProcess(configFile);
    await waitFor('the invoice in the sandbox', async () => (await admin.counts()).recordsAccepted === 1, {
      describe: () => agent!.output(),
    });
    const secrets = await plantedSecrets();

    const output = path.join(dir, 'bundle.zip');
    const cli = await runCli(['support-bundle', '--output', output, '--config', configFile]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/Wrote .*bundle\.zip/);
    const fromCli = unzip(readFileSync(output));
    expectClean(fromCli, secrets);
    expect((JSON.parse(fromCli['status.json']!) as { agent: { running: boolean } }).agent.running).toBe(true);

    const [registered] = await admin.agents();
    const commandId = await admin.queueCommand(registered!.agentId, 'collect-diagnostics');
    await waitFor(
      'the collect-diagnostics ack',
      async () => (await admin.acks(registered!.agentId)).some((a) => a.commandId === commandId),
      {
        describe: () => agent!.output(),
      },
    );
    const ack = (await admin.acks(registered!.agentId)).find((a) => a.commandId === commandId)!;
    expect(ack.ok, JSON.stringify(ack.ack)).toBe(true);
    const uploaded = (await admin.files()).find((f) => f.name?.startsWith('tya-support-bundle-'));
    expect(uploaded).toBeDefined();
    expectClean(unzip(await admin.fileContent(uploaded!.sha256, 'store-1')), secrets);
  });
});
