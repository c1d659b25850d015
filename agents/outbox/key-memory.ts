/**
 * Per key, what the agent last captured: the newest version the cloud has not refused (or null when
 * there is nothing to compare with) and the newest seq (cloud-api.md § Batches). It answers two
 * questions: is a re-read row a change at all (its version differs from the newest), and is a record
 * still the newest change of its key (then a `stale` or `seq_conflict` answer means "renumber and send
 * again"; otherwise a later change already superseded it). A refused record's version is forgotten
 * where records become dead letters (dead-letters.ts), in the same statement set as the move.
 */
import type { SqliteDatabase } from './open-database.ts';

export class KeyMemory {
  readonly #db: SqliteDatabase;
  readonly #get;
  readonly #moveSeq;
  readonly #upsertIfChanged;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#get = db.prepare<[string, string, string], { version: string | null; seq: number }>(
      'SELECT version, seq FROM key_memory WHERE source = ? AND stream = ? AND key_canonical = ?',
    );
    // `IS NOT`: a forgotten version (NULL, refused by the cloud) never equals the new one.
    this.#upsertIfChanged = db.prepare<[string, string, string, string, number]>(
      `INSERT INTO key_memory (source, stream, key_canonical, version, seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source, stream, key_canonical) DO UPDATE SET version = excluded.version, seq = excluded.seq
       WHERE key_memory.version IS NOT excluded.version`,
    );
    this.#moveSeq = db.prepare<[number, string, string, string, number]>(
      'UPDATE key_memory SET seq = ? WHERE source = ? AND stream = ? AND key_canonical = ? AND seq = ?',
    );
  }

  latestSeq(source: string, stream: string, keyJson: string): number | undefined {
    return this.#get.get(source, stream, keyJson)?.seq;
  }

  /**
   * Remembers a captured change unless it is no change: false (and nothing written) when `version`
   * is already the key's newest. One statement instead of a lookup and a write per record on the
   * enqueue path. The caller owns the transaction.
   */
  rememberIfChanged(source: string, stream: string, keyJson: string, version: string, seq: number): boolean {
    return this.#upsertIfChanged.run(source, stream, keyJson, version, seq).changes > 0;
  }

  /** Points the key at this version and seq whatever it held (a replayed quarantined record). */
  remember(source: string, stream: string, keyJson: string, version: string, seq: number): void {
    this.#db
      .prepare<[string, string, string, string, number]>(
        `INSERT INTO key_memory (source, stream, key_canonical, version, seq) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (source, stream, key_canonical) DO UPDATE SET version = excluded.version, seq = excluded.seq`,
      )
      .run(source, stream, keyJson, version, seq);
  }

  /** A record renumbered while it is still its key's newest change keeps the memory pointing at it. */
  renumbered(source: string, stream: string, keyJson: string, oldSeq: number, newSeq: number): void {
    this.#moveSeq.run(newSeq, source, stream, keyJson, oldSeq);
  }

  /** Resync and restore: forget every key of a source (or one stream) so everything is sent again. */
  forget(source: string, stream?: string): void {
    if (stream === undefined) this.#db.prepare('DELETE FROM key_memory WHERE source = ?').run(source);
    else this.#db.prepare('DELETE FROM key_memory WHERE source = ? AND stream = ?').run(source, stream);
  }
}
