/**
 * One writer at a time across processes for the service vault (service-file-secret-store.ts).
 *
 * A write reads the whole vault, changes one entry and writes the whole vault back. Two processes
 * doing that at once lose one of the changes: the agent rotating its cloud credentials while an
 * administrator runs `secret set --service` or `doctor` (whose probe writes and deletes a throwaway
 * secret) could put the old credential back, and the agent would be locked out of the cloud at its
 * next token. So every read-change-write holds this lock.
 *
 * It is an SQLite lock file, as for the data folder (agents/engine/data-dir-lock.ts says why): an OS
 * file lock (fcntl, LockFileEx) that the kernel drops when the holder dies, however it dies, so a
 * kill -9 in the middle of a write leaves nothing to clean up. Nothing else in a process may open
 * the lock file (a POSIX lock drops when any descriptor of the file closes).
 *
 * Waiting blocks the thread (better-sqlite3 is synchronous): a holder keeps the lock for one
 * encrypt, write and fsync, milliseconds, and writes to the vault are rare.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentError } from '../pipeline/errors.ts';

/** How long a write waits for another process's write before it gives up and says so. */
export const VAULT_LOCK_WAIT_MS = 10_000;

export function vaultLockFile(vaultFile: string): string {
  return `${vaultFile}.lock`;
}

/**
 * Runs `change` while holding the vault's lock. `prepareFile` runs once the lock file exists (the
 * store gives it to the service user when root created it).
 */
export function withVaultLock<T>(vaultFile: string, change: () => T, options: { waitMs?: number; prepareFile?: (file: string) => void } = {}): T {
  const file = vaultLockFile(vaultFile);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: options.waitMs ?? VAULT_LOCK_WAIT_MS });
  } catch (error) {
    throw new AgentError('vault_unreadable', `Could not open the vault's lock file ${file}: ${(error as Error).message}.`, {
      hint: 'Run the command as the service user (as root add --service), or check the vault folder belongs to that user.',
      cause: error,
    });
  }
  try {
    options.prepareFile?.(file);
    try {
      // RESERVED: one holder at a time; the file never gets a table, so nothing is written.
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') throw error;
      throw new AgentError('vault_busy', `Another process kept the vault ${vaultFile} locked for ${Math.round((options.waitMs ?? VAULT_LOCK_WAIT_MS) / 1000)} s; nothing was changed.`, {
        hint: `Another tya-agent command is writing a secret, or hangs while doing so. Try again; if it persists, end the tya-agent process that holds ${file} open (its lock goes with it).`,
        cause: error,
      });
    }
    try {
      return change();
    } finally {
      db.exec('ROLLBACK');
    }
  } finally {
    db.close();
  }
}
