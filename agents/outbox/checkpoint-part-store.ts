/**
 * The stored parts of checkpoints (api/checkpoint-parts.ts). They are written and deleted only in the
 * enqueue transaction that commits the checkpoint naming them (record-writer.ts), so the parts on
 * disk are always exactly those the committed checkpoint names, whatever moment a crash picks.
 * Parts are not records: they take no room under the queue's cap and no place in its depth.
 */
import type { CheckpointParts } from '../api/index.ts';
import type { SqliteDatabase } from './open-database.ts';

export interface StoredCheckpointPart {
  text: string;
  data: Uint8Array;
}

export class CheckpointPartStore {
  readonly #insert;
  readonly #get;
  readonly #deleteNotKept;
  readonly #deleteOfStream;
  readonly #deleteOfSource;
  readonly #countOfStream;

  constructor(db: SqliteDatabase) {
    // DO NOTHING rather than OR IGNORE, and then a look at what is stored: OR IGNORE would also swallow
    // a NOT NULL violation, and a re-put must be told apart from an id reused for other content.
    this.#insert = db.prepare<[string, string, string, string, Buffer]>(
      `INSERT INTO checkpoint_parts (source, stream, id, text, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source, stream, id) DO NOTHING`,
    );
    this.#get = db.prepare<[string, string, string], { text: string; data: Buffer }>(
      'SELECT text, data FROM checkpoint_parts WHERE source = ? AND stream = ? AND id = ?',
    );
    // The unique index bounds this to the stream's own parts; json_each hands over `keep` as one
    // parameter, and SQLite builds the NOT IN set once per statement, not once per row.
    this.#deleteNotKept = db.prepare<[string, string, string]>(
      `DELETE FROM checkpoint_parts WHERE source = ? AND stream = ?
         AND id NOT IN (SELECT value FROM json_each(?))`,
    );
    this.#deleteOfStream = db.prepare<[string, string]>('DELETE FROM checkpoint_parts WHERE source = ? AND stream = ?');
    this.#deleteOfSource = db.prepare<[string]>('DELETE FROM checkpoint_parts WHERE source = ?');
    this.#countOfStream = db
      .prepare<[string, string], number>('SELECT COUNT(*) FROM checkpoint_parts WHERE source = ? AND stream = ?')
      .pluck();
  }

  /**
   * Stores the parts `put` and deletes the stream's parts `keep` does not name. The caller owns the
   * transaction (the checkpoint's enqueue): a throw here rolls back the checkpoint and its records too.
   */
  applyWithin(source: string, stream: string, parts: CheckpointParts): void {
    for (const part of parts.put) {
      const data = asBuffer(part.data);
      if (this.#insert.run(source, stream, part.id, part.text, data).changes > 0) continue;
      // Already stored: harmless when it is the same part again (a page re-read after an error), a
      // source bug when the id now stands for other content, since a stored part never changes.
      const stored = this.#get.get(source, stream, part.id)!;
      if (stored.text !== part.text || !stored.data.equals(data)) {
        throw new Error(
          `Part "${part.id}" of the checkpoint of ${source}/${stream} is already stored with other content, and a ` +
            'stored part never changes. Nothing of this read was committed. The source must give changed content a new part id.',
        );
      }
    }
    this.#deleteNotKept.run(source, stream, JSON.stringify(parts.keep));
    // A checkpoint naming a part that is not stored could never be read again (the stream would
    // need a resync): refused here, so such a commit never happens.
    const kept = new Set(parts.keep).size;
    const stored = this.#countOfStream.get(source, stream)!;
    if (stored !== kept) {
      throw new Error(
        `The checkpoint of ${source}/${stream} names ${kept} parts but only ${stored} of them are stored or put. ` +
          'Nothing of this read was committed; the source reads it again from its last committed checkpoint.',
      );
    }
  }

  get(source: string, stream: string, id: string): StoredCheckpointPart | undefined {
    const row = this.#get.get(source, stream, id);
    return row === undefined ? undefined : { text: row.text, data: row.data };
  }

  /** Forgets the parts of a whole source or of one stream (with its checkpoint: the caller's transaction). */
  deleteWithin(source: string, stream?: string): void {
    if (stream === undefined) this.#deleteOfSource.run(source);
    else this.#deleteOfStream.run(source, stream);
  }
}

/**
 * Refuses, before anything is written, a part the checkpoint puts but does not keep: the same commit
 * would delete it again, and the checkpoint would name a part that is not there.
 */
export function assertPartsKept(source: string, stream: string, parts: CheckpointParts): void {
  const keep = new Set(parts.keep);
  const missing = parts.put.filter((part) => !keep.has(part.id)).map((part) => `"${part.id}"`);
  if (missing.length === 0) return;
  throw new Error(
    `The checkpoint of ${source}/${stream} puts ${missing.length} part(s) its keep list does not name ` +
      `(${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}). Nothing was written. ` +
      'The source must list in keep every part its checkpoint names, the ones it puts included.',
  );
}

/** What the parts to store take on disk before SQLite's overhead: for the check that keeps delivery's reserve free. */
export function checkpointPartBytes(parts: CheckpointParts | undefined): number {
  let bytes = 0;
  for (const part of parts?.put ?? []) bytes += Buffer.byteLength(part.text, 'utf8') + part.data.byteLength;
  return bytes;
}

/** A Buffer over the same memory (no copy), so a re-put can be compared with what is stored. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
