/**
 * Brings an outbox to the newest schema version (migrations.ts), driven by `PRAGMA user_version`.
 * Each migration runs in its own transaction together with the version bump, so a crash
 * mid-upgrade leaves the previous version intact and the next start simply tries again.
 */
import { AgentError } from '../pipeline/errors.ts';
import { OUTBOX_MIGRATIONS, type Migration } from './migrations.ts';
import type { SqliteDatabase } from './open-database.ts';

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the file up to the newest version; returns the versions before and after. */
export function migrate(
  db: SqliteDatabase,
  migrations: readonly Migration[] = OUTBOX_MIGRATIONS,
): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Outbox migration versions must be 1, 2, 3…; found ${m.version} at ${i}`);
  });
  const from = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (from > latest) {
    throw new AgentError(
      'outbox_too_new',
      `The outbox ${db.name} has schema version ${from}, but this agent knows only up to ${latest}: it was written by a newer agent.`,
      { hint: 'Install that newer agent version again, or restore the outbox from a backup made by this version.' },
    );
  }
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }).immediate();
  }
  return { from, to: Math.max(from, latest) };
}
