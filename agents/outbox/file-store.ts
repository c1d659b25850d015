/**
 * Originals of ingested files (bank statements, shift-close reports), kept in the outbox until the
 * cloud has them (`PUT /v1/files/{sha256}`), and the fingerprints of every file ever imported, so the
 * same content dropped twice is recognised. Content lives in SQLite like everything else durable
 * (DESIGN.md §4.6), in 1 MiB chunks so neither storing nor a huge file needs it whole in memory at
 * once; it is deleted as soon as the cloud confirmed the upload, the fingerprint stays.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Lane } from '../api/index.ts';
import { AgentError } from '../pipeline/errors.ts';
import type { SqliteDatabase } from './open-database.ts';
import { FileRecordsQuery, type FileRecords } from './file-records.ts';

export interface FileToStore {
  sha256: string;
  source: string;
  /** The name it arrived under. */
  name: string;
  contentType: string;
  lane: Lane;
  /** Read from here, in chunks; must hold exactly the bytes whose hash is `sha256`. */
  path: string;
}

export interface StoredFileInfo {
  sha256: string;
  source: string;
  name: string;
  contentType: string;
  lane: Lane;
  bytes: number;
  storedAt: string;
  /** When its records committed; null while it is still being imported. */
  importedAt: string | null;
  /** When the imported file was moved out of the watched folder; null while it may still be there. */
  archivedAt: string | null;
  uploadState: 'pending' | 'uploaded' | 'failed';
  uploadedAt: string | null;
  attempts: number;
  lastError: { code: string; message: string } | null;
  /** Where the records read from it stand: in flight, refused, quarantined (file-records.ts). */
  records: FileRecords;
}

export interface PendingFileUpload {
  sha256: string;
  source: string;
  name: string;
  contentType: string;
  lane: Lane;
  bytes: number;
  attempts: number;
}

const CHUNK_BYTES = 1024 * 1024;

interface FileRow {
  sha256: string;
  source: string;
  name: string;
  content_type: string;
  lane: Lane;
  bytes: number;
  stored_at: string;
  imported_at: string | null;
  archived_at: string | null;
  upload_state: 'pending' | 'uploaded' | 'failed';
  uploaded_at: string | null;
  attempts: number;
  last_error_code: string | null;
  last_error_message: string | null;
}

export class FileStore {
  readonly #db: SqliteDatabase;
  readonly #nowIso: () => string;
  readonly #records: FileRecordsQuery;

  constructor(db: SqliteDatabase, nowIso: () => string) {
    this.#db = db;
    this.#nowIso = nowIso;
    this.#records = new FileRecordsQuery(db);
  }

  /**
   * Stores the original once; a file already known (same content) is left as it is. Throws
   * AgentError `file_changed` (and stores nothing) when the bytes on disk no longer hash to `sha256`.
   */
  store(file: FileToStore): 'stored' | 'known' {
    if (this.get(file.sha256) !== undefined) return 'known';
    const fd = openSync(file.path, 'r');
    try {
      return this.#db
        .transaction(() => {
          const insertChunk = this.#db.prepare<[string, number, Buffer]>(
            'INSERT INTO file_chunks (sha256, seq, data) VALUES (?, ?, ?)',
          );
          const hash = createHash('sha256');
          let bytes = 0;
          // One buffer for every chunk: SQLite copies each blob, so a large file leaves no trail of them.
          const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
          for (let seq = 0; ; seq += 1) {
            const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
            if (read === 0) break;
            insertChunk.run(file.sha256, seq, buffer.subarray(0, read));
            hash.update(buffer.subarray(0, read));
            bytes += read;
          }
          if (hash.digest('hex') !== file.sha256) {
            throw new AgentError(
              'file_changed',
              `${file.name} changed while it was being read; it is taken again once it stays the same.`,
            );
          }
          this.#db
            .prepare(
              `INSERT INTO files (sha256, source, name, content_type, lane, bytes, stored_at, upload_state)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
            )
            .run(file.sha256, file.source, file.name, file.contentType, file.lane, bytes, this.#nowIso());
          return 'stored' as const;
        })
        .immediate();
    } finally {
      closeSync(fd);
    }
  }

  get(sha256: string): StoredFileInfo | undefined {
    const row = this.#db.prepare<[string], FileRow>('SELECT * FROM files WHERE sha256 = ?').get(sha256);
    return row === undefined ? undefined : toInfo(row, this.#records.of(sha256));
  }

  /** Records that the file's records committed; keeps the first time if called again. */
  markImported(sha256: string): void {
    this.#db
      .prepare('UPDATE files SET imported_at = ? WHERE sha256 = ? AND imported_at IS NULL')
      .run(this.#nowIso(), sha256);
  }

  markArchived(sha256: string): void {
    this.#db
      .prepare('UPDATE files SET archived_at = ? WHERE sha256 = ? AND archived_at IS NULL')
      .run(this.#nowIso(), sha256);
  }

  /** The lane's next file due for upload (oldest first), or undefined. */
  nextUpload(lane: Lane, now: number): PendingFileUpload | undefined {
    const row = this.#db
      .prepare<[Lane, number], FileRow>(
        `SELECT * FROM files WHERE upload_state = 'pending' AND lane = ? AND next_attempt_at <= ? ORDER BY stored_at, sha256 LIMIT 1`,
      )
      .get(lane, now);
    if (row === undefined) return undefined;
    return {
      sha256: row.sha256,
      source: row.source,
      name: row.name,
      contentType: row.content_type,
      lane: row.lane,
      bytes: row.bytes,
      attempts: row.attempts,
    };
  }

  /** Earliest retry time of a pending upload (epoch ms), or null. */
  nextAttemptAt(): number | null {
    return (
      this.#db
        .prepare<[], number | null>(`SELECT MIN(next_attempt_at) FROM files WHERE upload_state = 'pending'`)
        .pluck()
        .get() ?? null
    );
  }

  /**
   * The content one stored chunk at a time, each read when it is wanted (an upload sends a chunk
   * before it reads the next), so memory holds a chunk whatever the file's size.
   */
  *chunks(sha256: string): Generator<Buffer> {
    const chunk = this.#db.prepare<[string, number], Buffer>('SELECT data FROM file_chunks WHERE sha256 = ? AND seq = ?').pluck();
    for (let seq = 0; ; seq += 1) {
      const data = chunk.get(sha256, seq);
      if (data === undefined) return;
      yield data;
    }
  }

  content(sha256: string): Buffer {
    const chunks = this.#db
      .prepare<[string], Buffer>('SELECT data FROM file_chunks WHERE sha256 = ? ORDER BY seq')
      .pluck()
      .all(sha256);
    return Buffer.concat(chunks);
  }

  /** The cloud has it: the content goes, the fingerprint stays. */
  uploaded(sha256: string): void {
    this.#db
      .transaction(() => {
        this.#db.prepare('DELETE FROM file_chunks WHERE sha256 = ?').run(sha256);
        this.#db
          .prepare(
            `UPDATE files SET upload_state = 'uploaded', uploaded_at = ?, attempts = attempts + 1, last_error_code = NULL, last_error_message = NULL WHERE sha256 = ?`,
          )
          .run(this.#nowIso(), sha256);
      })
      .immediate();
  }

  /** A failed attempt: try again at `nextAttemptAt`, or never (`permanent`; the content is kept for support). */
  uploadFailed(
    sha256: string,
    failure: { nextAttemptAt: number; error: { code: string; message: string }; permanent: boolean },
  ): void {
    this.#db
      .prepare(
        `UPDATE files SET attempts = attempts + 1, next_attempt_at = ?, last_error_code = ?, last_error_message = ?,
           upload_state = CASE WHEN ? THEN 'failed' ELSE upload_state END
         WHERE sha256 = ?`,
      )
      .run(
        failure.nextAttemptAt,
        failure.error.code,
        failure.error.message.slice(0, 1000),
        failure.permanent ? 1 : 0,
        sha256,
      );
  }
}

function toInfo(row: FileRow, records: FileRecords): StoredFileInfo {
  return {
    sha256: row.sha256,
    source: row.source,
    name: row.name,
    contentType: row.content_type,
    lane: row.lane,
    bytes: row.bytes,
    storedAt: row.stored_at,
    importedAt: row.imported_at,
    archivedAt: row.archived_at,
    uploadState: row.upload_state,
    uploadedAt: row.uploaded_at,
    attempts: row.attempts,
    lastError:
      row.last_error_code === null ? null : { code: row.last_error_code, message: row.last_error_message ?? '' },
    records,
  };
}
