/**
 * What people decided about files on the Files screen (issue 11), kept in the outbox so a restart
 * neither forgets a decision nor acts on one twice:
 * - a hold: a file of a folder with `hold: true` waits in the folder until a person approves it
 *   (then it is imported like any other) or rejects it (then it goes to quarantine, nothing sent);
 * - a void: an imported file whose records are to be deleted in the cloud; the folder source
 *   sends the deletes and marks the void done once the last of them is committed.
 */
import type { SqliteDatabase } from './open-database.ts';

export type HoldState = 'held' | 'approved' | 'rejected';

export interface HeldFile {
  sha256: string;
  source: string;
  name: string;
  path: string;
  bytes: number;
  heldAt: string;
  state: HoldState;
  decidedAt: string | null;
}

export interface FileVoid {
  sha256: string;
  source: string;
  name: string;
  /** Where the original is (the archive): the records to delete are read from it again. */
  path: string;
  requestedAt: string;
  doneAt: string | null;
  records: number | null;
}

interface HeldRow {
  sha256: string;
  source: string;
  name: string;
  path: string;
  bytes: number;
  held_at: string;
  state: HoldState;
  decided_at: string | null;
}

interface VoidRow {
  sha256: string;
  source: string;
  name: string;
  path: string;
  requested_at: string;
  done_at: string | null;
  records: number | null;
}

export class FileDecisions {
  readonly #db: SqliteDatabase;
  readonly #nowIso: () => string;

  constructor(db: SqliteDatabase, nowIso: () => string) {
    this.#db = db;
    this.#nowIso = nowIso;
  }

  /** Puts a file on hold (idempotent: a file already known keeps its state). */
  hold(file: { sha256: string; source: string; name: string; path: string; bytes: number }): HoldState {
    this.#db
      .prepare(
        `INSERT INTO held_files (sha256, source, name, path, bytes, held_at, state) VALUES (?, ?, ?, ?, ?, ?, 'held')
         ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, name = excluded.name WHERE state = 'held'`,
      )
      .run(file.sha256, file.source, file.name, file.path, file.bytes, this.#nowIso());
    return this.holdState(file.sha256) ?? 'held';
  }

  holdState(sha256: string): HoldState | undefined {
    return this.#db.prepare<[string], HoldState>('SELECT state FROM held_files WHERE sha256 = ?').pluck().get(sha256);
  }

  /** Approves or rejects a held file; false when there is no such file waiting. */
  decide(source: string, sha256: string, state: 'approved' | 'rejected'): boolean {
    return (
      this.#db
        .prepare(`UPDATE held_files SET state = ?, decided_at = ? WHERE sha256 = ? AND source = ? AND state = 'held'`)
        .run(state, this.#nowIso(), sha256, source).changes === 1
    );
  }

  /** A decided file was dealt with (imported or quarantined): its hold is forgotten. */
  forgetHold(sha256: string): void {
    this.#db.prepare('DELETE FROM held_files WHERE sha256 = ?').run(sha256);
  }

  listHeld(source?: string): HeldFile[] {
    const rows = this.#db
      .prepare<[string | null, string | null], HeldRow>('SELECT * FROM held_files WHERE ? IS NULL OR source = ? ORDER BY held_at')
      .all(source ?? null, source ?? null);
    return rows.map((r) => ({
      sha256: r.sha256,
      source: r.source,
      name: r.name,
      path: r.path,
      bytes: r.bytes,
      heldAt: r.held_at,
      state: r.state,
      decidedAt: r.decided_at,
    }));
  }

  /** Asks for a file's records to be deleted in the cloud; false if it was asked already. */
  requestVoid(file: { sha256: string; source: string; name: string; path: string }): boolean {
    return (
      this.#db
        .prepare(
          `INSERT INTO file_voids (sha256, source, name, path, requested_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
        )
        .run(file.sha256, file.source, file.name, file.path, this.#nowIso()).changes === 1
    );
  }

  /** The oldest void of this source still to be sent. */
  nextVoid(source: string): FileVoid | undefined {
    const row = this.#db
      .prepare<[string], VoidRow>('SELECT * FROM file_voids WHERE source = ? AND done_at IS NULL ORDER BY requested_at LIMIT 1')
      .get(source);
    return row === undefined ? undefined : toVoid(row);
  }

  voidDone(sha256: string, records: number): void {
    this.#db.prepare('UPDATE file_voids SET done_at = ?, records = ? WHERE sha256 = ?').run(this.#nowIso(), records, sha256);
  }

  listVoids(source?: string): FileVoid[] {
    return this.#db
      .prepare<[string | null, string | null], VoidRow>('SELECT * FROM file_voids WHERE ? IS NULL OR source = ? ORDER BY requested_at')
      .all(source ?? null, source ?? null)
      .map(toVoid);
  }
}

function toVoid(r: VoidRow): FileVoid {
  return { sha256: r.sha256, source: r.source, name: r.name, path: r.path, requestedAt: r.requested_at, doneAt: r.done_at, records: r.records };
}
