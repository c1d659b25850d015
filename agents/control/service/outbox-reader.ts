/**
 * Read-only questions the dashboard asks of the outbox that the Outbox class does not answer (queue
 * per stream, a folder's stored files), over a second, read-only SQLite connection: WAL lets it read
 * while the engine writes, and it can change nothing.
 */
import type { StreamQueue } from '../../api/index.ts';
import { openDatabaseReadonly, type SqliteDatabase } from '../../outbox/index.ts';

export interface StoredFileRow {
  source: string;
  name: string;
  sha256: string;
  importedAt: string | null;
  uploadState: 'pending' | 'uploaded' | 'failed';
}

export class OutboxReader {
  readonly #path: string;
  #db: SqliteDatabase | null = null;

  constructor(path: string) {
    this.#path = path;
  }

  streams(nowMs: number): StreamQueue[] {
    const rows = this.#open()
      .prepare(
        `SELECT source, stream, lane, COUNT(*) AS depth, MIN(captured_ms) AS oldest_ms, MIN(captured_at) AS oldest_at
         FROM records GROUP BY source, stream, lane ORDER BY source, stream, lane`,
      )
      .all() as Array<{ source: string; stream: string; lane: 'urgent' | 'bulk'; depth: number; oldest_ms: number | null; oldest_at: string | null }>;
    return rows.map((r) => ({
      source: r.source,
      stream: r.stream,
      lane: r.lane,
      depth: r.depth,
      oldestCapturedAt: r.oldest_at,
      oldestAgeSecs: r.oldest_ms === null ? null : Math.max(0, Math.round((nowMs - r.oldest_ms) / 1000)),
    }));
  }

  files(source: string): StoredFileRow[] {
    return (
      this.#open()
        .prepare(`SELECT source, name, sha256, imported_at, upload_state FROM files WHERE source = ? ORDER BY stored_at DESC LIMIT 5000`)
        .all(source) as Array<{ source: string; name: string; sha256: string; imported_at: string | null; upload_state: StoredFileRow['uploadState'] }>
    ).map((r) => ({ source: r.source, name: r.name, sha256: r.sha256, importedAt: r.imported_at, uploadState: r.upload_state }));
  }

  close(): void {
    this.#db?.close();
    this.#db = null;
  }

  #open(): SqliteDatabase {
    this.#db ??= openDatabaseReadonly(this.#path);
    return this.#db;
  }
}
