import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decryptBackup } from '../../engine/backup/backup-archive.ts';
import { dataDirLayout, ensureDataDir } from '../../engine/data-dir.ts';
import { DataDirLock } from '../../engine/data-dir-lock.ts';
import { loadConfigFile } from '../../engine/load-config.ts';
import { AUDIT_KEY_REF } from '../../outbox/audit-log.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import { CliError } from '../cli-error.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { readPassphrase } from './backup-passphrase.ts';

export interface RestoreOptions {
  /** Where the config file goes; its agent.dataDir (relative to it) is where the outbox goes. */
  config?: string;
  passphraseFile?: string;
  force?: boolean;
}

const DEFAULT_CONFIG_TARGET = 'tya-agent.json';

/**
 * `tya-agent restore FILE`: puts a backup's config, outbox, state files (the SFTP ledger) and audit
 * key in place on this machine.
 * Everything is decrypted and checked before the first byte is written, so a wrong passphrase or a
 * damaged file changes nothing.
 */
export async function restoreCommand(file: string, options: RestoreOptions, io: CliIo): Promise<ExitCodeValue> {
  const sealed = readBackupFile(file);
  const passphrase = readPassphrase(options, io, 'restore');
  let contents;
  try {
    contents = decryptBackup(sealed, passphrase);
  } catch (error) {
    if (error instanceof AgentError) throw new CliError(ExitCode.incomplete, error.code, error.message, { hint: error.hint, cause: error });
    throw error;
  }
  const { manifest, outbox, stateFiles = [] } = contents;
  const configTarget = path.resolve(options.config ?? DEFAULT_CONFIG_TARGET);
  if (existsSync(configTarget) && !options.force && readFileSync(configTarget, 'utf8') !== manifest.configText) {
    throw new CliError(ExitCode.usage, 'restore_config_exists', `${configTarget} already exists and differs from the backup's config.`, {
      hint: 'Give another place with --config FILE, or add --force to replace it.',
    });
  }
  // The config goes next to its final place first, so its relative agent.dataDir resolves as it will.
  const stagedConfig = `${configTarget}.restoring`;
  mkdirSync(path.dirname(configTarget), { recursive: true, mode: 0o700 });
  writeFileSync(stagedConfig, manifest.configText, { mode: 0o600 });
  let layout;
  let restoredConfig;
  try {
    restoredConfig = loadConfigFile(stagedConfig).config;
    layout = dataDirLayout(loadConfigFile(stagedConfig).dataDir);
    if (existsSync(layout.outbox) && !options.force) {
      throw new CliError(ExitCode.usage, 'restore_outbox_exists', `${layout.root} already has an outbox; restoring would replace its queue and audit log.`, {
        hint: 'Restore into a new folder (set agent.dataDir through another --config place), or add --force if that outbox may go.',
      });
    }
    const root = layout.root;
    const replaced = stateFiles.find((f) => existsSync(path.join(root, f.name)));
    if (replaced !== undefined && !options.force) {
      throw new CliError(ExitCode.usage, 'restore_state_exists', `${layout.root} already has ${replaced.name}; restoring would replace what it remembers.`, {
        hint: 'Restore into a new folder (set agent.dataDir through another --config place), or add --force if that file may go.',
      });
    }
  } catch (error) {
    rmSync(stagedConfig, { force: true });
    throw error;
  }
  ensureDataDir(layout);
  // Never under a running agent (with --force the folder may be a live one): its lock says who holds it.
  let lock;
  try {
    lock = DataDirLock.acquire(layout.root, 'restore');
  } catch (error) {
    rmSync(stagedConfig, { force: true });
    throw error;
  }
  try {
    putInPlace(layout.outbox, outbox);
    for (const file of stateFiles) putInPlace(path.join(layout.root, file.name), file.content);
    renameSync(stagedConfig, configTarget);
  } finally {
    lock.release();
  }
  if (manifest.auditMacKey !== null) {
    await installationSecretStore(restoredConfig, layout.root).set(AUDIT_KEY_REF, manifest.auditMacKey);
  }
  io.out(`Restored the backup of "${manifest.agentName}" made ${manifest.createdAt} (agent ${manifest.agentVersion}):`);
  io.out(`  config  ${configTarget}`);
  io.out(`  outbox  ${layout.outbox}`);
  for (const file of stateFiles) io.out(`  state   ${path.join(layout.root, file.name)}`);
  io.out(`  audit   ${manifest.auditMacKey === null ? 'no key in the backup (the log was empty)' : 'the log\'s key is in this machine\'s keychain'}`);
  io.out('The backup holds no credentials. Next steps:');
  io.out(`  1. Enroll this machine: tya-agent enroll --url <cloud URL> --key - --config ${configTarget}`);
  io.out('  2. Set database passwords again: tya-agent secret set <ref> (tya-agent secret check lists what is missing).');
  io.out('  3. In the portal, approve the hand-over of the sources to the new agent (one agent writes a source at a time); the old agent stops delivering them.');
  io.out(`  4. Stop the old agent if it still runs, then start this one: tya-agent run --config ${configTarget}`);
  return ExitCode.ok;
}

/** A SQLite file whole or not at all; a side file left from an earlier one would be read as part of it. */
function putInPlace(file: string, content: Buffer): void {
  for (const side of ['-wal', '-shm', '-journal']) rmSync(`${file}${side}`, { force: true });
  const staged = `${file}.restoring`;
  writeFileSync(staged, content, { mode: 0o600 });
  renameSync(staged, file);
}

function readBackupFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CliError(ExitCode.usage, 'backup_missing', `The backup file ${path.resolve(file)} could not be read: ${(error as Error).message}`, {
      hint: 'Give the path of the file "tya-agent backup -o FILE" wrote.',
      cause: error,
    });
  }
}
