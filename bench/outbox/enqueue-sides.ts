/**
 * The two sides of the outbox benchmark, each writing the same transactions of the same rows to a
 * fresh file in WAL mode at the same `synchronous` level; only the loop is timed (opening and the
 * closing checkpoint are not, on either side).
 *
 * - ours: `Outbox.enqueue` — canonical JSON, a SHA-256 content version, the dedupe index, running
 *   totals, the size cap and the source checkpoint, all in one transaction per call.
 * - raw: better-sqlite3 inserting JSON.stringify(key) and JSON.stringify(data) into a rowid table,
 *   one transaction per batch: the least a program can do to keep the same rows durably.
 */
import Database from 'better-sqlite3';
import type { SourceRecord } from '../../agents/api/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';

export type Synchronous = 'FULL' | 'NORMAL';

/** Milliseconds the enqueue loop took. */
export function enqueueOurs(path: string, synchronous: Synchronous, batches: readonly SourceRecord[][]): number {
  const outbox = Outbox.open({ path, synchronous, maxBytes: 8 * 1024 ** 3, clock: systemClock });
  try {
    const started = performance.now();
    for (const records of batches) {
      const last = records[records.length - 1]!;
      outbox.enqueue({
        source: 'bench',
        stream: last.stream,
        lane: 'bulk',
        records,
        checkpoint: { cursor: last.capturedAt, key: last.key },
      });
    }
    return performance.now() - started;
  } finally {
    outbox.close();
  }
}

/** Milliseconds the raw insert loop took. */
export function insertRaw(path: string, synchronous: Synchronous, batches: readonly SourceRecord[][]): number {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(
      'CREATE TABLE records (id INTEGER PRIMARY KEY, stream TEXT NOT NULL, key TEXT NOT NULL, op TEXT NOT NULL, data TEXT, captured_at TEXT NOT NULL)',
    );
    const insert = db.prepare<[string, string, string, string | null, string]>(
      'INSERT INTO records (stream, key, op, data, captured_at) VALUES (?, ?, ?, ?, ?)',
    );
    const insertAll = db.transaction((records: readonly SourceRecord[]) => {
      for (const r of records) {
        insert.run(
          r.stream,
          JSON.stringify(r.key),
          r.op,
          r.data === undefined ? null : JSON.stringify(r.data),
          r.capturedAt,
        );
      }
    });
    const started = performance.now();
    for (const records of batches) insertAll.immediate(records);
    return performance.now() - started;
  } finally {
    db.close();
  }
}
