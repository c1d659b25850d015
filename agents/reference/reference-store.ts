/**
 * The local copy of the cloud's reference lists (issue 13 item 3): one row per (entity, list) in
 * `reference.db` beside the outbox, so validation can answer with the cloud unreachable. A file of
 * its own, not an outbox table: a damaged or deleted cache costs one refresh, never the queue.
 * Items are stored as the JSON the cloud sent, every value a string (rates and amounts stay exact).
 */
import Database from 'better-sqlite3';
import path from 'node:path';

export type ReferenceRow = Record<string, string>;

export interface CachedList {
  entity: string;
  name: string;
  items: ReferenceRow[];
  /** The cloud's validator, sent back as `If-None-Match`. */
  etag: string | undefined;
  /** When these items arrived (epoch ms). */
  fetchedAt: number;
  /** When the cloud last confirmed them (a 200 or a 304; epoch ms). */
  checkedAt: number;
  /** The last refresh that failed after `checkedAt`, if any: what a person sees in `reference list`. */
  lastError: { message: string; at: number } | undefined;
}

interface StoredRow {
  entity: string;
  name: string;
  items: string;
  etag: string | null;
  fetched_at: number;
  checked_at: number;
  last_error: string | null;
  last_error_at: number | null;
}

export const REFERENCE_DB_FILE = 'reference.db';

export function referenceDbPath(dataDir: string): string {
  return path.join(dataDir, REFERENCE_DB_FILE);
}

export class ReferenceStore {
  readonly #db: Database.Database;
  readonly #version: Database.Statement;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    // The running agent and a `reference refresh` from the CLI may write at the same moment.
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS reference_lists (
      entity TEXT NOT NULL,
      name TEXT NOT NULL,
      items TEXT NOT NULL,
      etag TEXT,
      fetched_at INTEGER NOT NULL,
      checked_at INTEGER NOT NULL,
      last_error TEXT,
      last_error_at INTEGER,
      PRIMARY KEY (entity, name)
    ) STRICT`);
    this.#version = this.#db.prepare('SELECT etag, fetched_at FROM reference_lists WHERE entity = ? AND name = ?');
  }

  get(entity: string, name: string): CachedList | undefined {
    const row = this.#db.prepare('SELECT * FROM reference_lists WHERE entity = ? AND name = ?').get(entity, name) as
      | StoredRow
      | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** The cheap check behind lookup's in-memory index: which version is cached, without reading the items. */
  version(entity: string, name: string): string | undefined {
    const row = this.#version.get(entity, name) as { etag: string | null; fetched_at: number } | undefined;
    return row === undefined ? undefined : `${row.etag ?? ''}\u0000${row.fetched_at}`;
  }

  all(): CachedList[] {
    const rows = this.#db.prepare('SELECT * FROM reference_lists ORDER BY entity, name').all() as StoredRow[];
    return rows.map(fromRow);
  }

  /** A 200: the new items replace the old; any earlier failure is history. */
  replace(entity: string, name: string, items: ReferenceRow[], etag: string | undefined, at: number): void {
    this.#db
      .prepare(
        `INSERT INTO reference_lists (entity, name, items, etag, fetched_at, checked_at, last_error, last_error_at)
         VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)
         ON CONFLICT (entity, name) DO UPDATE SET items = excluded.items, etag = excluded.etag,
           fetched_at = excluded.fetched_at, checked_at = excluded.checked_at, last_error = NULL, last_error_at = NULL`,
      )
      .run(entity, name, JSON.stringify(items), etag ?? null, at, at);
  }

  /** A 304: the items are still current. */
  confirm(entity: string, name: string, at: number): void {
    this.#db
      .prepare('UPDATE reference_lists SET checked_at = ?, last_error = NULL, last_error_at = NULL WHERE entity = ? AND name = ?')
      .run(at, entity, name);
  }

  /** A failed refresh: the items stay, the failure is noted beside them. */
  noteFailure(entity: string, name: string, message: string, at: number): void {
    this.#db
      .prepare('UPDATE reference_lists SET last_error = ?, last_error_at = ? WHERE entity = ? AND name = ?')
      .run(message, at, entity, name);
  }

  close(): void {
    this.#db.close();
  }
}

function fromRow(row: StoredRow): CachedList {
  return {
    entity: row.entity,
    name: row.name,
    items: JSON.parse(row.items) as ReferenceRow[],
    etag: row.etag ?? undefined,
    fetchedAt: row.fetched_at,
    checkedAt: row.checked_at,
    lastError: row.last_error === null ? undefined : { message: row.last_error, at: row.last_error_at ?? row.checked_at },
  };
}
