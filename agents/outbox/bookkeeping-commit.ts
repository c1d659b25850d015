/**
 * Delivery bookkeeping (forming a batch, settling an answered one) commits without waiting for the
 * disk: WAL with `synchronous=NORMAL` for that one transaction, the configured level again after it.
 *
 * Why this is safe: neither write is something a source or the cloud was promised. A kill -9 loses
 * nothing either way (the commit is in the OS's cache); only a power cut can forget the last of
 * them, and then WAL recovery keeps a prefix of the transactions, so the file stays consistent, and
 * the next capture commit (FULL) syncs everything before it anyway. A forgotten batch formation
 * puts its records back in the queue: sent again under a new batch id, the cloud counts them as
 * duplicates (same key, seq and version). A forgotten settlement resends its batch with the same
 * Idempotency-Key and the cloud replays its answer. Why it is worth it: each fsync cost 15–20 ms a
 * batch on the bench machine, on the delivery loop's thread (bench/delivery, docs/architecture.md).
 */
import type { SqliteDatabase } from './open-database.ts';

export function commitWithoutWaitingForDisk<T>(db: SqliteDatabase, write: () => T): T {
  // The safety level cannot change inside a transaction: an enclosing one decides.
  if (db.inTransaction) return write();
  const level = db.pragma('synchronous', { simple: true }) as number;
  if (level <= 1) return write();
  db.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    db.pragma(`synchronous = ${level}`);
  }
}
