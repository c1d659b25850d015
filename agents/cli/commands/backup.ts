import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { encryptBackup, type StateFileCopy } from '../../engine/backup/backup-archive.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { DataDirLock } from '../../engine/data-dir-lock.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { AUDIT_KEY_REF } from '../../outbox/audit-log.ts';
import { Outbox, snapshotOutbox } from '../../outbox/index.ts';
import { WRITEBACK_DB, WritebackState } from '../../writeback/writeback-state.ts';
import { type SecretStore } from '../../vault/index.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import { CliError } from '../cli-error.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { readPassphrase } from './backup-passphrase.ts';

export interface BackupOptions {
  config?: string;
  output: string;
  passphraseFile?: string;
}

/** The SFTP exchange's ledger in the data folder (agents/exchange/sftp/sftp-ledger.ts). */
const SFTP_LEDGER = 'sftp-exchange.sqlite';

/**
 * `tya-agent backup -o FILE`: the config, a consistent snapshot of the outbox (taken while the agent
 * runs), the audit log's MAC key and the SFTP ledger, encrypted with the operator's passphrase
 * (docs/backup-restore.md).
 */
export async function backupCommand(options: BackupOptions, io: CliIo, secrets?: SecretStore): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const layout = dataDirLayout(loaded.dataDir);
  const passphrase = readPassphrase(options, io, 'backup');
  const store = secrets ?? installationSecretStore(loaded.config, layout.root);
  const auditMacKey = (await store.get(AUDIT_KEY_REF)) ?? null;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tya-backup-'));
  try {
    const snapshotFile = path.join(scratch, 'outbox.db');
    try {
      snapshotOutbox(layout.outbox, snapshotFile);
    } catch (error) {
      throw new CliError(ExitCode.incomplete, 'backup_outbox_unreadable', `The outbox ${layout.outbox} could not be copied: ${(error as Error).message}`, {
        hint: 'Check agent.dataDir in the config; the outbox exists once the agent has run.',
        cause: error,
      });
    }
    const outbox = readFileSync(snapshotFile);
    const sftpLedger = snapshotSftpLedger(layout.root, scratch, snapshotFile);
    const stateFiles: StateFileCopy[] = sftpLedger === null ? [] : [{ name: SFTP_LEDGER, content: sftpLedger }];
    const writebackWork = unfinishedWriteback(layout.root, scratch);
    const sealed = encryptBackup({
      manifest: {
        createdAt: new Date().toISOString(),
        agentName: loaded.config.agent.name,
        agentVersion: AGENT_VERSION,
        configFileName: path.basename(loaded.file),
        configText: readFileSync(loaded.file, 'utf8'),
        auditMacKey,
        outboxBytes: outbox.length,
      },
      outbox,
      stateFiles,
    }, passphrase);
    const target = path.resolve(options.output);
    const partial = `${target}.partial`;
    writeFileSync(partial, sealed, { mode: 0o600 });
    renameSync(partial, target);
    const carried = sftpLedger === null ? '' : ', the SFTP ledger (what was pushed to and fetched from SFTP servers)';
    io.out(`Wrote ${target} (${Math.ceil(sealed.length / 1024)} KiB, encrypted): the config file, the outbox (${Math.ceil(outbox.length / 1024)} KiB)${carried} and ${auditMacKey === null ? 'no audit key (the log had none yet)' : 'the audit log\'s key'}.`);
    if (sftpLedger !== null && DataDirLock.probe(layout.root) !== null) {
      io.err('Note: the agent is running. Files it pushes to SFTP servers after this backup are not in it; for a move to a new server, stop the agent first and back up again.');
    }
    if (writebackWork !== null) io.err(writebackWork);
    io.out('No credentials are in it: after "tya-agent restore" the new machine enrolls again, and database passwords are set again with "tya-agent secret set".');
    io.out('Keep the passphrase apart from the file; without it the backup cannot be opened.');
    return ExitCode.ok;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A consistent snapshot of the SFTP ledger, or null when this agent never used SFTP. Its `pushed`
 * rows stop the new server pushing a payment file to the bank a second time. Its `fetched` rows are
 * kept only for files the outbox snapshot shows as imported: a file fetched but not imported yet lies
 * in this server's inbox folder, which does not travel, so the new server must fetch it again (the
 * folder source and the cloud recognise anything sent twice).
 */
function snapshotSftpLedger(dataDir: string, scratch: string, outboxSnapshot: string): Buffer | null {
  const live = path.join(dataDir, SFTP_LEDGER);
  if (!existsSync(live)) return null;
  const copy = path.join(scratch, SFTP_LEDGER);
  try {
    // The outbox's read-only VACUUM INTO suits any SQLite file.
    snapshotOutbox(live, copy);
  } catch (error) {
    throw new CliError(ExitCode.incomplete, 'backup_sftp_ledger_unreadable', `The SFTP ledger ${live} could not be copied: ${(error as Error).message}`, {
      hint: 'Check that the data folder is readable by this user and the disk is sound, then run the backup again.',
      cause: error,
    });
  }
  const db = new Database(copy);
  try {
    const hashes = db.prepare('SELECT DISTINCT sha256 FROM fetched').pluck().all() as string[];
    const imported = importedOf(outboxSnapshot, hashes);
    const forget = db.prepare('DELETE FROM fetched WHERE sha256 = ?');
    db.transaction(() => {
      for (const sha256 of hashes) if (!imported.has(sha256)) forget.run(sha256);
    })();
  } finally {
    db.close();
  }
  return readFileSync(copy);
}

/** Which of these contents the outbox snapshot holds as imported; an outbox it cannot read answers none (all are fetched again). */
function importedOf(outboxSnapshot: string, hashes: string[]): Set<string> {
  let outbox: Outbox;
  try {
    outbox = Outbox.openReadonly(outboxSnapshot, systemClock);
  } catch {
    return new Set();
  }
  try {
    return new Set(hashes.filter((sha256) => outbox.fileInfo(sha256)?.importedAt != null));
  } finally {
    outbox.close();
  }
}

/**
 * Write-back items this server must finish before a move, in words, or null. writeback.db is not
 * carried: its items belong to this agent's identity in the cloud, which the new server does not
 * inherit (it enrolls as a new agent), so it could neither report their results nor tell the cloud's
 * next changes from old ones (docs/backup-restore.md).
 */
function unfinishedWriteback(dataDir: string, scratch: string): string | null {
  const live = path.join(dataDir, WRITEBACK_DB);
  if (!existsSync(live)) return null;
  const copy = path.join(scratch, WRITEBACK_DB);
  let state: WritebackState;
  try {
    snapshotOutbox(live, copy);
    state = new WritebackState(copy);
  } catch (error) {
    return `Write-back: ${live} could not be read (${(error as Error).message}). Before moving to a new server, check with "tya-agent writeback list" that no item waits.`;
  }
  try {
    const items = state.all();
    const forPerson = items.filter((i) => i.state === 'conflict-waiting' || i.state === 'outcome-unknown').length;
    const notWritten = items.filter((i) => i.state === 'received' || i.state === 'intent').length;
    const unreported = state.unreported().length;
    if (forPerson + notWritten + unreported === 0) return null;
    const open = [
      forPerson > 0 ? `${forPerson} waiting for a person's decision` : '',
      notWritten > 0 ? `${notWritten} not written yet` : '',
      unreported > 0 ? `${unreported} whose result the cloud has not received` : '',
    ].filter((part) => part !== '');
    return `Write-back: ${open.join(', ')} (tya-agent writeback list). A restored agent cannot finish them: before moving to a new server, ` +
      'decide them here (tya-agent writeback conflicts, writeback resolve, writeback confirm) and let this agent write and report them, then stop it and back up again.';
  } finally {
    state.close();
  }
}
