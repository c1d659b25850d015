/**
 * SFTP afterImport over real processes (issue 14 item 5): `tya-agent run` pulls three bank statements
 * from a real OpenSSH server into a watched folder, sends them to the sandbox cloud, and moves on the
 * server only the file whose every record the cloud took. The cloud refuses one entry of the second
 * file (a sandbox reject rule), the stream's validation quarantines one entry of the third: both
 * files stay on the server, and `tya-agent sftp list` says why. Once a person replays the refused
 * record and the cloud takes it, that file is moved too; the quarantined record discarded keeps its
 * file for good. Every entry is accounted for: in the cloud, a dead letter, or in quarantine.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineEntry, SftpFetchState } from '../../agents/api/index.ts';
import type { DeadLetter } from '../../agents/outbox/index.ts';
import { camtStatement } from '../../agents/transforms/statements/statement-samples.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { expectedEntries } from '../helpers/folder-files.ts';
import { startSftpServer, type SftpTestServer } from '../helpers/sftp-server.ts';

// One account per file, so each file's entries are its own; sample entry 7 is a credit of 554.34,
// entry 11 a credit of 871.10, the only entry over 800.00 (debits are negative amounts).
const FILES = {
  clean: { name: 'clean.xml', iban: 'AT611904300234573201', from: 0, to: 5 },
  refused: { name: 'refused.xml', iban: 'DE89370400440532013000', from: 5, to: 10 },
  quarantined: { name: 'quarantined.xml', iban: 'CH9300762011623852957', from: 10, to: 15 },
} as const;
const ENTRIES = 15;

let server: SftpTestServer | null = null;
let dir = '';
let remoteOut = '';
let remoteDone = '';
let sandbox: Sandbox;
let admin: SandboxAdmin;
let configFile = '';
let agent: AgentProcess | undefined;

interface ListedFile {
  remotePath: string;
  state: SftpFetchState;
  reason: string | null;
}

async function cli<T>(args: string[]): Promise<T> {
  const result = await runCli([...args, '--config', configFile]);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function listed(name: string): Promise<ListedFile | undefined> {
  const { fetched } = await cli<{ fetched: ListedFile[] }>(['sftp', 'list', '--json']);
  return fetched.find((f) => f.remotePath === path.posix.join(remoteOut, name));
}

const onServer = (folder: string) => (existsSync(folder) ? readdirSync(folder).sort() : []);
/** The agent's log (the process prints only its banner): the puller logs why a file stays on the server. */
const agentLog = () => {
  const file = path.join(dir, 'data', 'logs', 'agent.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};
const describeState = () => `out: ${onServer(remoteOut).join(', ')}; done: ${onServer(remoteDone).join(', ')}\n${agentLog().slice(-4000)}`;

beforeAll(async () => {
  server = await startSftpServer();
  if (server === null) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-sftp-after-import-'));
  remoteOut = path.join(server.root, 'out');
  remoteDone = path.join(server.root, 'done');
  mkdirSync(remoteOut);
  mkdirSync(remoteDone);
  const inbox = path.join(dir, 'inbox');
  mkdirSync(inbox);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);

  // The cloud refuses entry 7 (in refused.xml); validation stops entries over 800.00 (entry 11, in quarantined.xml).
  const refusedContent = statement(FILES.refused);
  const refusedEntry = (await expectedEntries(FILES.refused.name, refusedContent)).find((e) => e.data.amount === '554.34');
  expect(refusedEntry, 'entry 7 of the sample account').toBeDefined();
  await admin.rejectRecords({ stream: 'bank_entries', key: { account: String(refusedEntry!.key.account), entryKey: String(refusedEntry!.key.entryKey) }, code: 'unknown_account', message: 'The cloud has no such account.' });
  for (const file of Object.values(FILES)) writeFileSync(path.join(remoteOut, file.name), statement(file));

  writeFileSync(path.join(dir, 'entries.rules.json'), JSON.stringify({
    stream: 'bank_entries',
    schema: { type: 'object', properties: { amount: { type: 'string', format: 'money', decimalMaximum: '800' } } },
  }));
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'SFTP afterImport', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', batchMaxRecords: 200, batchMaxAgeMs: 50, heartbeatIntervalSecs: 3600, retryBaseMs: 50, retryMaxMs: 500 },
    sources: [{ type: 'folder', name: 'bank', path: inbox, kind: 'bank', stableMs: 200 }],
    streams: [{ source: 'bank', stream: 'bank_entries', rules: 'entries.rules.json' }],
    exchange: {
      sftp: [{
        name: 'hausbank', host: '127.0.0.1', port: server.port, user: server.user, auth: 'key',
        secret: { secretRef: 'sftp/hausbank' }, hostKey: server.hostKeyFingerprint,
        pull: { remoteDir: remoteOut, pattern: '\\.xml$', intoFolder: inbox, intervalSecs: 5, afterImport: `move:${remoteDone}` },
      }],
    },
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
  const secret = await runCli(['secret', 'set', 'sftp/hausbank', '--config', configFile], { input: server.privateKey });
  expect(secret.code, secret.stderr).toBe(0);
  agent = startAgentProcess(configFile);
}, 60_000);

afterAll(async () => {
  await agent?.kill('SIGTERM');
  if (configFile !== '') await runCli(['secret', 'delete', 'sftp/hausbank', '--config', configFile]);
  await sandbox?.close();
  await server?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function statement(file: { iban: string; from: number; to: number }): string {
  return camtStatement({ iban: file.iban, sequence: 1, opening: '1000.00', from: file.from, to: file.to });
}

describe('SFTP afterImport waits until every record of the file reached the cloud', { timeout: 120_000 }, () => {
  it('moves the clean file, keeps the ones with a refused or quarantined record and says why, and accounts for every entry', async (t) => {
    if (server === null) return t.skip();
    await waitFor('clean.xml moved on the server', () => onServer(remoteDone).includes(FILES.clean.name), { timeoutMs: 60_000, describe: describeState });

    await waitFor('the refused and the quarantined file kept, with the reason', async () =>
      (await listed(FILES.refused.name))?.state === 'kept' && (await listed(FILES.quarantined.name))?.state === 'kept',
    { timeoutMs: 60_000, intervalMs: 500, describe: describeState });
    expect((await listed(FILES.refused.name))?.reason).toBe('kept: 1 record rejected by the cloud (tya-agent dlq list)');
    expect((await listed(FILES.quarantined.name))?.reason).toBe('kept: 1 record in quarantine (tya-agent quarantine list)');
    expect(await listed(FILES.clean.name)).toMatchObject({ state: 'moved', reason: null });
    // The puller itself saw them kept (it logs each file's reason once), and left them where they were.
    await waitFor('the puller to report both kept files', () =>
      (agentLog().match(/stays on the server, kept: 1 record (rejected|in quarantine)/g) ?? []).length >= 2,
    { timeoutMs: 30_000, describe: describeState });
    expect(onServer(remoteOut)).toEqual([FILES.quarantined.name, FILES.refused.name]);
    expect(onServer(remoteDone)).toEqual([FILES.clean.name]);

    // Nothing lost, nothing doubled: 13 entries in the cloud, one dead letter, one in quarantine.
    const cloud = await admin.latest({ source: 'bank', stream: 'bank_entries', limit: 1_000 });
    const letters = await cli<DeadLetter[]>(['dlq', 'list', '--json']);
    const quarantined = await cli<QuarantineEntry[]>(['quarantine', 'list', '--json', '--source', 'bank']);
    expect(cloud).toHaveLength(ENTRIES - 2);
    expect(new Set(cloud.map((r) => JSON.stringify(r.key))).size).toBe(ENTRIES - 2);
    expect(letters.map((l) => [l.stream, l.reasonCode, l.data?.amount])).toEqual([['bank_entries', 'unknown_account', '554.34']]);
    expect(quarantined.map((q) => [q.stream, q.data?.amount, q.reasons[0]?.path])).toEqual([['bank_entries', '871.10', 'amount']]);
  });

  it('moves the file once its refused record is replayed and taken; a discarded quarantined record keeps its file', async (t) => {
    if (server === null) return t.skip();
    await admin.clearRejectRules();
    const replayed = await runCli(['dlq', 'replay', '--all', '--config', configFile]);
    expect(replayed.code, replayed.stderr).toBe(0);
    await waitFor('refused.xml moved after its record was delivered', () => onServer(remoteDone).includes(FILES.refused.name), { timeoutMs: 60_000, describe: describeState });
    expect((await admin.latest({ source: 'bank', stream: 'bank_entries', limit: 1_000 })).length).toBe(ENTRIES - 1);

    const [entry] = await cli<QuarantineEntry[]>(['quarantine', 'list', '--json', '--source', 'bank']);
    const discarded = await runCli(['quarantine', 'discard', String(entry!.id), '--config', configFile]);
    expect(discarded.code, discarded.stderr).toBe(0);
    await waitFor('the discarded record named as the reason', async () =>
      (await listed(FILES.quarantined.name))?.reason === 'kept: 1 quarantined record discarded or superseded, never sent',
    { timeoutMs: 30_000, intervalMs: 500, describe: describeState });
    await waitFor('the puller to report the new reason', () => agentLog().includes('kept: 1 quarantined record discarded'), { timeoutMs: 30_000, describe: describeState });
    expect(onServer(remoteOut)).toEqual([FILES.quarantined.name]);
  });
});
