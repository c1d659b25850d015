/**
 * A move to a new server keeps the SFTP ledger: with real SQLite files, the real outbox and SFTP
 * ledger classes and the real backup and restore commands, a payment file pushed before the backup
 * is not pushed to the bank again after the restore, a statement imported before it is not fetched
 * again, and one fetched but not imported yet (its copy stays in the old server's inbox folder) is.
 * writeback.db is not carried; the backup names its open items so they are settled before the move.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { afterEach, expect, it } from 'vitest';
import type { SftpServerConfig } from '../../api/sftp-config.ts';
import { decryptBackup } from '../../engine/backup/backup-archive.ts';
import { SftpLedger } from '../../exchange/sftp/sftp-ledger.ts';
import { pushFile } from '../../exchange/sftp/sftp-pusher.ts';
import { ManualClock, openTestOutbox } from '../../outbox/outbox-test-kit.ts';
import type { SecretStore } from '../../vault/index.ts';
import { WRITEBACK_DB, WritebackState } from '../../writeback/writeback-state.ts';
import type { CliIo } from '../cli-io.ts';
import { backupCommand } from './backup.ts';
import { restoreCommand } from './restore.ts';

const PASSPHRASE = 'a passphrase long enough';
const BANK: SftpServerConfig = {
  name: 'bank-a',
  host: 'sftp.bank.example',
  port: 22,
  user: 'acme',
  auth: 'password',
  secret: { secretRef: 'sftp/bank-a' },
  push: { remoteDir: '/in' },
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The old server's config and data folder, and where the backup and the new server's config go. */
function oldServer(): { dir: string; oldData: string; oldConfig: string; newConfig: string; backup: string; passphraseFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tya-backup-state-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'old', 'data'), { recursive: true });
  const oldConfig = join(dir, 'old', 'agent.json');
  writeFileSync(oldConfig, JSON.stringify({
    agent: { name: 'Shop', dataDir: 'data' },
    cloud: { url: 'https://cloud.example', entity: 'store-1' },
    sources: [],
    exchange: { sftp: [{ ...BANK, pull: { remoteDir: '/out', intoFolder: join(dir, 'old', 'inbox') } }] },
  }));
  const passphraseFile = join(dir, 'passphrase');
  writeFileSync(passphraseFile, PASSPHRASE);
  return { dir, oldData: join(dir, 'old', 'data'), oldConfig, newConfig: join(dir, 'new', 'agent.json'), backup: join(dir, 'agent.tyabak'), passphraseFile };
}

function capture(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), err: (line) => lines.push(line), interactive: false };
}

/** No audit key in this keychain: restore then leaves the keychain alone. */
const noSecrets = { get: () => Promise.resolve(undefined) } as unknown as SecretStore;

const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Any use of the connection to the bank's server fails the test. */
const bankMustNotBeContacted = new Proxy({}, {
  get: (_target, name) => {
    throw new Error(`the bank's SFTP server was contacted (${String(name)})`);
  },
}) as SFTPWrapper;

it('the restored ledger stops a second push of a payment file and a second fetch of an imported statement', async () => {
  const s = oldServer();
  const imported = '<Document>statement 0411</Document>';
  const notImported = '<Document>statement 0412</Document>';
  const payment = '<Document>payments 0412</Document>';
  // The outbox holds the 0411 statement as imported; 0412 was fetched but the folder source has not taken it yet.
  const outbox = openTestOutbox(join(s.oldData, 'outbox.db'), new ManualClock(Date.now()));
  const statementFile = join(s.dir, 'stmt-0411.xml');
  writeFileSync(statementFile, imported);
  outbox.storeFile({ sha256: sha256Of(imported), source: 'bank-in', name: 'stmt-0411.xml', contentType: 'application/xml', lane: 'bulk', path: statementFile });
  outbox.markFileImported(sha256Of(imported));
  outbox.close();
  // The ledger stays open during the backup, as under a running agent (its rows partly in the WAL).
  const ledger = new SftpLedger(s.oldData);
  const fetched = (name: string, content: string) => ({ server: 'bank-a', remotePath: `/out/${name}`, size: content.length, mtime: 1_765_000_000, sha256: sha256Of(content), localName: name, fetchedAt: new Date().toISOString() });
  ledger.recordFetched(fetched('stmt-0411.xml', imported));
  ledger.recordFetched(fetched('stmt-0412.xml', notImported));
  ledger.recordPushed({ target: 'bank-a', sha256: sha256Of(payment), name: 'pay-0412.xml', remotePath: '/in/pay-0412.xml', pushedAt: new Date().toISOString() });

  const backupIo = capture();
  expect(await backupCommand({ config: s.oldConfig, output: s.backup, passphraseFile: s.passphraseFile }, backupIo, noSecrets)).toBe(0);
  ledger.close();
  expect(await restoreCommand(s.backup, { config: s.newConfig, passphraseFile: s.passphraseFile }, capture())).toBe(0);

  const restored = new SftpLedger(join(s.dir, 'new', 'data'));
  try {
    // push-file for the same payment after the move: answered from the ledger, the bank's server untouched.
    const again = await pushFile(BANK, bankMustNotBeContacted, restored, { sha256: sha256Of(payment), name: 'pay-0412.xml', bytes: Buffer.from(payment) });
    expect(again).toEqual({ remotePath: '/in/pay-0412.xml', already: true });
    const seen = (name: string, content: string) => restored.seen('bank-a', `/out/${name}`, content.length, 1_765_000_000);
    expect(seen('stmt-0411.xml', imported)).toBe(true);
    // Its copy was in the old server's inbox folder, which does not travel: the new server fetches it again.
    expect(seen('stmt-0412.xml', notImported)).toBe(false);
  } finally {
    restored.close();
  }
  expect(backupIo.lines.join('\n')).toContain('the SFTP ledger (what was pushed to and fetched from SFTP servers)');
});

it('a data folder without an SFTP ledger gives a version 1 backup (as before) and no ledger; open write-back items are named', async () => {
  const s = oldServer();
  openTestOutbox(join(s.oldData, 'outbox.db'), new ManualClock(Date.now())).close();
  const state = new WritebackState(join(s.oldData, WRITEBACK_DB));
  const item = { id: 'wb_1', seq: 1, entity: 'store-1', target: 'gl', op: 'upsert' as const, key: { id: '7' }, base: null, data: { id: '7', name: 'Rent' }, createdAt: new Date().toISOString() };
  state.receive(item, '{"id":"7"}', item.createdAt);
  state.recordIntent(item.id);
  state.recordOutcome({ id: item.id, target: 'gl', keyJson: '{"id":"7"}', seq: 1 }, 'outcome-unknown', { id: item.id, status: 'pending', resolution: 'outcome_unknown' });
  state.markReported(item.id, { id: item.id, status: 'pending', resolution: 'outcome_unknown' });
  state.close();

  const backupIo = capture();
  expect(await backupCommand({ config: s.oldConfig, output: s.backup, passphraseFile: s.passphraseFile }, backupIo, noSecrets)).toBe(0);
  expect(backupIo.lines.join('\n')).toMatch(/Write-back: 1 waiting for a person's decision .*decide them here/);
  const sealed = readFileSync(s.backup);
  expect(sealed.includes('"version":1')).toBe(true);
  expect(decryptBackup(sealed, PASSPHRASE).stateFiles).toBeUndefined();
  expect(await restoreCommand(s.backup, { config: s.newConfig, passphraseFile: s.passphraseFile }, capture())).toBe(0);
  expect(existsSync(join(s.dir, 'new', 'data', 'outbox.db'))).toBe(true);
  expect(existsSync(join(s.dir, 'new', 'data', 'sftp-exchange.sqlite'))).toBe(false);
  expect(existsSync(join(s.dir, 'new', 'data', WRITEBACK_DB))).toBe(false);
});
