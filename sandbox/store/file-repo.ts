import type Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredFile } from '../admin-schemas.ts';

export interface FileMeta {
  name: string | null;
  source: string | null;
  contentType: string | null;
  agentId: string;
}

/**
 * Originals uploaded with `PUT /v1/files/{sha256}`. Bytes go to `filesDir/<sha256>` when a folder
 * is configured (written to a temp name and renamed, so a crash never leaves half a file under a
 * hash), otherwise into SQLite.
 */
export class FileRepo {
  readonly #db: Database.Database;
  readonly #filesDir: string | undefined;

  constructor(db: Database.Database, filesDir: string | undefined) {
    this.#db = db;
    this.#filesDir = filesDir;
    if (filesDir !== undefined) mkdirSync(filesDir, { recursive: true });
  }

  /** Stores the bytes once; true when they were new. */
  put(sha256: string, bytes: Buffer, meta: FileMeta, nowIso: string): boolean {
    if (this.#db.prepare('SELECT 1 FROM files WHERE sha256 = ?').get(sha256) !== undefined) return false;
    if (this.#filesDir !== undefined) {
      const target = join(this.#filesDir, sha256);
      const temp = `${target}.${process.pid}.tmp`;
      writeFileSync(temp, bytes);
      renameSync(temp, target);
    }
    this.#db
      .prepare(
        `INSERT INTO files (sha256, bytes, name, source, content_type, agent_id, stored_at, content)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sha256,
        bytes.length,
        meta.name,
        meta.source,
        meta.contentType,
        meta.agentId,
        nowIso,
        this.#filesDir === undefined ? bytes : null,
      );
    return true;
  }

  content(sha256: string): Buffer | undefined {
    const row = this.#db.prepare('SELECT content FROM files WHERE sha256 = ?').get(sha256) as
      { content: Buffer | null } | undefined;
    if (row === undefined) return undefined;
    return row.content ?? readFileSync(join(this.#filesDir ?? '.', sha256));
  }

  list(): StoredFile[] {
    const rows = this.#db
      .prepare(
        'SELECT sha256, bytes, name, source, content_type, agent_id, stored_at FROM files ORDER BY stored_at, sha256',
      )
      .all() as {
      sha256: string;
      bytes: number;
      name: string | null;
      source: string | null;
      content_type: string | null;
      agent_id: string;
      stored_at: string;
    }[];
    return rows.map((r) => ({
      sha256: r.sha256,
      bytes: r.bytes,
      name: r.name,
      source: r.source,
      contentType: r.content_type,
      agentId: r.agent_id,
      storedAt: r.stored_at,
    }));
  }
}
