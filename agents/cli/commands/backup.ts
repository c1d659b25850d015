import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encryptBackup } from '../../engine/backup/backup-archive.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { AUDIT_KEY_REF } from '../../outbox/audit-log.ts';
import { snapshotOutbox } from '../../outbox/index.ts';
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

/**
 * `tya-agent backup -o FILE`: the config, a consistent snapshot of the outbox (taken while the agent
 * runs) and the audit log's MAC key, encrypted with the operator's passphrase (docs/backup-restore.md).
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
    }, passphrase);
    const target = path.resolve(options.output);
    const partial = `${target}.partial`;
    writeFileSync(partial, sealed, { mode: 0o600 });
    renameSync(partial, target);
    io.out(`Wrote ${target} (${Math.ceil(sealed.length / 1024)} KiB, encrypted): the config file, the outbox (${Math.ceil(outbox.length / 1024)} KiB) and ${auditMacKey === null ? 'no audit key (the log had none yet)' : 'the audit log\'s key'}.`);
    io.out('No credentials are in it: after "tya-agent restore" the new machine enrolls again, and database passwords are set again with "tya-agent secret set".');
    io.out('Keep the passphrase apart from the file; without it the backup cannot be opened.');
    return ExitCode.ok;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
