/**
 * A consistent copy of the outbox while the agent may be writing to it: SQLite's `VACUUM INTO`
 * reads one transaction's view through its own read-only connection, so the copy never holds half
 * a batch, and the running agent is not stopped or blocked (WAL lets it keep writing).
 */
import { openDatabaseReadonly } from './open-database.ts';

export function snapshotOutbox(outboxFile: string, targetFile: string): void {
  const db = openDatabaseReadonly(outboxFile);
  try {
    db.prepare('VACUUM INTO ?').run(targetFile);
  } finally {
    db.close();
  }
}
