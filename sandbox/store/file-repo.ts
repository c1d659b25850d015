import type Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredFile } from '../admin-schemas.ts';

export interface FileMeta {
  entity: string;
  name: string | null;
  source: string | null;
  exportName: string | null;
  contentType: string | null;
  /** Null for a file the cloud itself put there for the agent (admin). */
  agentId: string | null;
}

interface FileRow {
  entity: string;
  sha256: string;
  bytes: number;
  name: string | null;
  source: string | null;
  export_name: string | null;
  content_type: string | null;
  agent_id: string | null;
  stored_at: string;
}

/**
 * Files per entity (`PUT /v1/files/{sha256}`): idempotent by content hash within an entity, never
 * revealing another entity's copy. The bytes are kept once per hash: under `filesDir/<sha256>` when
 * a folder is configured (written to a temp name and renamed, so a crash never leaves half a file
 * under a hash), otherwise in SQLite.
 */
export class FileRepo {
  readonly #db: Database.Database;
  readonly #filesDir: string | undefined;

  constructor(db: Database.Database, filesDir: string | undefined) {
    this.#db = db;
    this.#filesDir = filesDir;
    if (filesDir !== undefined) mkdirSync(filesDir, { recursive: true });
  }

  /** Stores the file for the entity; true when the entity did not have it yet. */
  put(sha256: string, bytes: Buffer, meta: FileMeta, nowIso: string): boolean {
    return this.#db.transaction(() => {
      if (
        this.#db.prepare('SELECT 1 FROM files WHERE entity = ? AND sha256 = ?').get(meta.entity, sha256) !== undefined
      ) {
        return false;
      }
      if (this.#db.prepare('SELECT 1 FROM blobs WHERE sha256 = ?').get(sha256) === undefined) {
        if (this.#filesDir !== undefined) {
          const target = join(this.#filesDir, sha256);
          const temp = `${target}.${process.pid}.tmp`;
          writeFileSync(temp, bytes);
          renameSync(temp, target);
        }
        this.#db
          .prepare('INSERT INTO blobs (sha256, bytes, content) VALUES (?, ?, ?)')
          .run(sha256, bytes.length, this.#filesDir === undefined ? bytes : null);
      }
      this.#db
        .prepare(
          `INSERT INTO files (entity, sha256, name, source, export_name, content_type, agent_id, stored_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(meta.entity, sha256, meta.name, meta.source, meta.exportName, meta.contentType, meta.agentId, nowIso);
      return true;
    })();
  }

  /** The bytes, when `entity` holds the file (any entity when undefined: the admin view). */
  content(sha256: string, entity?: string): { bytes: Buffer; contentType: string | null } | undefined {
    const row = this.#db
      .prepare(
        `SELECT b.content, f.content_type FROM files f JOIN blobs b USING (sha256)
         WHERE f.sha256 = ? ${entity === undefined ? '' : 'AND f.entity = ?'} LIMIT 1`,
      )
      .get(...(entity === undefined ? [sha256] : [sha256, entity])) as
      { content: Buffer | null; content_type: string | null } | undefined;
    if (row === undefined) return undefined;
    return { bytes: row.content ?? readFileSync(join(this.#filesDir ?? '.', sha256)), contentType: row.content_type };
  }

  list(): StoredFile[] {
    const rows = this.#db
      .prepare(`SELECT f.*, b.bytes FROM files f JOIN blobs b USING (sha256) ORDER BY f.stored_at, f.entity, f.sha256`)
      .all() as FileRow[];
    return rows.map((r) => ({
      entity: r.entity,
      sha256: r.sha256,
      bytes: r.bytes,
      name: r.name,
      source: r.source,
      exportName: r.export_name,
      contentType: r.content_type,
      agentId: r.agent_id,
      storedAt: r.stored_at,
    }));
  }
}
