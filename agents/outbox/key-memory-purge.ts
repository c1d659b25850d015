/**
 * Keeps the per-key memory (key-memory.ts) bounded on a busy site (issue 16, item 6). Delivered
 * records leave the outbox at once, but the memory holds one row for every key ever captured: a
 * till that writes 2,000 receipts a day adds 730,000 rows a year, forever. A key whose newest
 * change is older than the retention and has nothing queued is forgotten.
 *
 * Forgetting is safe by the contract, not by luck: the memory only answers "is this re-read row a
 * change?". A forgotten key that is read again unchanged is sent once more, with a new seq, and the
 * cloud answers `unchanged` (cloud-api.md § Batches); nothing is lost and nothing is booked twice.
 * Sources rarely re-read old keys (cursor reads move on, snapshot diffs keep their own hashes, files
 * are fingerprinted), so the cost is a few resent rows.
 *
 * The age comes from the key's seq, which is the capture time in microseconds (seq-clock.ts), so no
 * column or index is added to the hot path. The table is walked in primary-key order in slices,
 * from a cursor kept in `agent_state`, so one pass costs a bounded write transaction per slice and
 * a restart continues where it stopped.
 */
import type { SqliteDatabase } from './open-database.ts';

export interface KeyPurgeSlice {
  /** Rows looked at in this slice. */
  scanned: number;
  /** Rows forgotten. */
  forgotten: number;
  /** True when this slice reached the end of the table (the next slice starts a new pass). */
  passDone: boolean;
}

interface KeyRow {
  source: string;
  stream: string;
  key_canonical: string;
  seq: number;
}

const CURSOR_STATE_KEY = 'key_memory.purge_cursor';

export class KeyMemoryPurge {
  readonly #db: SqliteDatabase;
  readonly #slice;
  readonly #queued;
  readonly #forget;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#slice = db.prepare<[string, string, string, number], KeyRow>(
      `SELECT source, stream, key_canonical, seq FROM key_memory
       WHERE (source, stream, key_canonical) > (?, ?, ?) ORDER BY source, stream, key_canonical LIMIT ?`,
    );
    this.#queued = db.prepare<[string, string, string], number>(
      'SELECT 1 FROM records WHERE source = ? AND stream = ? AND key_canonical = ? LIMIT 1',
    );
    this.#forget = db.prepare<[string, string, string, number]>(
      'DELETE FROM key_memory WHERE source = ? AND stream = ? AND key_canonical = ? AND seq = ?',
    );
  }

  /**
   * Forgets, among the next `limit` keys, those whose newest change was captured before
   * `olderThanMs` and that have nothing queued. One write transaction.
   */
  purgeSlice(olderThanMs: number, limit: number): KeyPurgeSlice {
    const cutoffSeq = Math.trunc(olderThanMs) * 1000;
    return this.#db
      .transaction((): KeyPurgeSlice => {
        const cursor = this.#readCursor();
        const rows = this.#slice.all(cursor[0], cursor[1], cursor[2], limit);
        let forgotten = 0;
        for (const row of rows) {
          if (row.seq >= cutoffSeq) continue;
          if (this.#queued.pluck().get(row.source, row.stream, row.key_canonical) !== undefined) continue;
          forgotten += this.#forget.run(row.source, row.stream, row.key_canonical, row.seq).changes;
        }
        const last = rows.at(-1);
        const passDone = rows.length < limit || last === undefined;
        this.#writeCursor(passDone || last === undefined ? ['', '', ''] : [last.source, last.stream, last.key_canonical]);
        return { scanned: rows.length, forgotten, passDone };
      })
      .immediate();
  }

  #readCursor(): [string, string, string] {
    const text = this.#db.prepare<[string], string>('SELECT value FROM agent_state WHERE key = ?').pluck().get(CURSOR_STATE_KEY);
    if (text === undefined) return ['', '', ''];
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === 'string')
      ? (parsed as [string, string, string])
      : ['', '', ''];
  }

  #writeCursor(cursor: [string, string, string]): void {
    this.#db
      .prepare('INSERT INTO agent_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(CURSOR_STATE_KEY, JSON.stringify(cursor));
  }
}
