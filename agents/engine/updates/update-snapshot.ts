/**
 * The outbox before an update, and back on rollback. Before the new version first opens the outbox
 * (and perhaps migrates it), the old version, still running, takes a consistent copy with
 * `VACUUM INTO` (the same copy `backup` makes) next to a small manifest of versions. On rollback,
 * with the agent stopped and its data-folder lock held by the caller:
 *   - if the new version left the schema version unchanged, the previous version reads the file as
 *     it is: nothing is restored and nothing captured since the update is lost;
 *   - otherwise the migrated file is moved aside (kept, named by time, for support) and the snapshot
 *     takes its place. Records and checkpoints roll back together, so what was captured after the
 *     update is read from the source again; what was delivered meanwhile is sent again under the same
 *     idempotency keys, and the cloud drops the repeats (cloud contract).
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { openDatabaseReadonly } from '../../outbox/open-database.ts';
import { schemaVersion } from '../../outbox/migrate.ts';
import { snapshotOutbox } from '../../outbox/snapshot.ts';
import { AgentError } from '../../pipeline/errors.ts';

const manifestSchema = z.object({
  fromVersion: z.string(),
  toVersion: z.string(),
  outboxSchemaVersion: z.number().int().nonnegative(),
  takenAtMs: z.number().int(),
  snapshotFile: z.string(),
});

export type UpdateSnapshot = z.infer<typeof manifestSchema>;

const MANIFEST = 'update-snapshot.json';

export function readSchemaVersion(outboxFile: string): number {
  const db = openDatabaseReadonly(outboxFile);
  try {
    return schemaVersion(db);
  } finally {
    db.close();
  }
}

/** Copies the outbox into `dir` (replacing an older snapshot) and writes the manifest last. */
export function takeUpdateSnapshot(options: { outboxFile: string; dir: string; fromVersion: string; toVersion: string; nowMs: number }): UpdateSnapshot {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  rmSync(join(options.dir, MANIFEST), { force: true });
  const snapshotFile = join(options.dir, `outbox-before-${safe(options.toVersion)}.sqlite`);
  rmSync(snapshotFile, { force: true });
  snapshotOutbox(options.outboxFile, snapshotFile);
  const snapshot: UpdateSnapshot = {
    fromVersion: options.fromVersion,
    toVersion: options.toVersion,
    outboxSchemaVersion: readSchemaVersion(snapshotFile),
    takenAtMs: options.nowMs,
    snapshotFile: basename(snapshotFile),
  };
  // The manifest is written last: without it a half-taken snapshot is never used.
  writeFileSync(join(options.dir, MANIFEST), `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
  return snapshot;
}

export function readUpdateSnapshot(dir: string): UpdateSnapshot | null {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return null;
  try {
    return manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new AgentError('update_snapshot_unreadable', `The update snapshot's manifest ${file} is damaged: ${(error as Error).message}.`, {
      hint: 'Restore the outbox from a backup ("tya-agent restore"), or delete the file to keep the outbox as it is.',
    });
  }
}

export type RestoreOutcome = { restored: false; reason: 'schema_unchanged' } | { restored: true; movedAsideTo: string };

/** Puts the outbox back as it was before the update; the agent must be stopped. */
export function restoreUpdateSnapshot(options: { outboxFile: string; dir: string; nowMs: number }): RestoreOutcome {
  const snapshot = readUpdateSnapshot(options.dir);
  if (snapshot === null) {
    throw new AgentError('update_snapshot_missing', `No update snapshot in ${options.dir}: the outbox cannot be put back as it was before the update.`, {
      hint: 'Restore the outbox from a backup ("tya-agent restore"), or start the new version again.',
    });
  }
  if (existsSync(options.outboxFile) && readSchemaVersion(options.outboxFile) === snapshot.outboxSchemaVersion) {
    return { restored: false, reason: 'schema_unchanged' };
  }
  const source = join(options.dir, snapshot.snapshotFile);
  const staging = `${options.outboxFile}.restoring`;
  copyFileSync(source, staging);
  fsyncFile(staging);
  const movedAsideTo = `${options.outboxFile}.after-update-${new Date(options.nowMs).toISOString().replace(/[:.]/g, '-')}`;
  if (existsSync(options.outboxFile)) renameSync(options.outboxFile, movedAsideTo);
  for (const side of ['-wal', '-shm']) {
    if (existsSync(options.outboxFile + side)) renameSync(options.outboxFile + side, movedAsideTo + side);
  }
  renameSync(staging, options.outboxFile);
  fsyncFile(dirname(options.outboxFile));
  return { restored: true, movedAsideTo };
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function safe(version: string): string {
  return version.replace(/[^0-9A-Za-z._-]/g, '_');
}
