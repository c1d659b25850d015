/**
 * The write-back's own durable memory (writeback.db in the data folder): items seen, per-key highest
 * applied seq, intents and outcomes, results not yet acknowledged by the cloud, conflicts waiting for
 * a person, and what was written per key (for echo suppression). Separate from the outbox so a
 * write-back problem never touches the capture queue.
 */
import Database from 'better-sqlite3';
import type { WritebackItem, WritebackResult } from '../api/writeback.ts';

/** The write-back state file in the data folder (here, not in writeback-part.ts, so the dashboard can name it without loading the applier). */
export const WRITEBACK_DB = 'writeback.db';

export type ItemState =
  | 'received'
  | 'intent'
  | 'applied'
  | 'skipped'
  | 'failed'
  | 'conflict-waiting'
  | 'outcome-unknown';

export interface StoredItem {
  id: string;
  target: string;
  keyJson: string;
  seq: number;
  state: ItemState;
  item: WritebackItem;
  /** The last result decided for it (reported or not yet). */
  result: WritebackResult | null;
  reported: boolean;
  receivedAt: string;
}

export interface Conflict {
  id: string;
  premises: Record<string, unknown>;
  premisesVersion: string;
  fields: string[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  key_json TEXT NOT NULL,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  item_json TEXT NOT NULL,
  result_json TEXT,
  reported INTEGER NOT NULL DEFAULT 0,
  received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS applied_seq (target TEXT NOT NULL, key_json TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (target, key_json));
CREATE TABLE IF NOT EXISTS conflicts (id TEXT PRIMARY KEY, premises_json TEXT NOT NULL, premises_version TEXT NOT NULL,
  fields_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS written (target TEXT NOT NULL, key_json TEXT NOT NULL, fields_json TEXT NOT NULL,
  PRIMARY KEY (target, key_json));
CREATE TABLE IF NOT EXISTS decisions (id TEXT PRIMARY KEY, kind TEXT NOT NULL, choice_json TEXT NOT NULL, decided_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Per field: one side's value, or a value a person typed (the dashboard's "custom"). */
export type FieldChoice = 'cloud' | 'premises' | 'base' | { value: string | null };

/**
 * A person's decision (CLI or dashboard), applied by the running write-back on its next pass. `actor`
 * is who decided (the audit log's actor: `cli`, `session:operator`…); absent means the CLI.
 */
export type Decision =
  | { id: string; kind: 'resolve'; choice: Record<string, FieldChoice>; actor?: string }
  | { id: string; kind: 'confirm'; applied: boolean; actor?: string };

export class WritebackState {
  readonly #db: Database.Database;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    // FULL: an intent must be on disk before the target is written, or a crash could forget it.
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(SCHEMA);
    // Added after the first release of writeback.db: who decided (the dashboard or the CLI).
    const columns = this.#db.prepare('PRAGMA table_info(decisions)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'actor')) this.#db.exec('ALTER TABLE decisions ADD COLUMN actor TEXT');
  }

  close(): void {
    this.#db.close();
  }

  cursor(): string {
    return (this.#db.prepare("SELECT value FROM settings WHERE name = 'cursor'").get() as { value: string } | undefined)?.value ?? '0';
  }

  setCursor(cursor: string): void {
    this.#db.prepare("INSERT INTO settings (name, value) VALUES ('cursor', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(cursor);
  }

  /** Remembers an item the first time it is seen; returns false when it was known already. */
  receive(item: WritebackItem, keyJson: string, nowIso: string): boolean {
    const info = this.#db
      .prepare(
        `INSERT OR IGNORE INTO items (id, target, key_json, seq, state, item_json, received_at) VALUES (?, ?, ?, ?, 'received', ?, ?)`,
      )
      .run(item.id, item.target, keyJson, item.seq, JSON.stringify(item), nowIso);
    return info.changes === 1;
  }

  /** Items still to apply, per key in seq order (the caller applies them in this order). */
  toApply(): StoredItem[] {
    return this.#rows("WHERE state = 'received' ORDER BY target, key_json, seq");
  }

  /** Intents without an outcome: a crash came between intent and outcome. */
  interrupted(): StoredItem[] {
    return this.#rows("WHERE state = 'intent'");
  }

  unreported(): StoredItem[] {
    return this.#rows('WHERE reported = 0 AND result_json IS NOT NULL ORDER BY received_at');
  }

  all(): StoredItem[] {
    return this.#rows('ORDER BY received_at, target, key_json, seq');
  }

  get(id: string): StoredItem | undefined {
    return this.#rows('WHERE id = ?', id)[0];
  }

  appliedSeq(target: string, keyJson: string): number {
    return (
      (this.#db.prepare('SELECT seq FROM applied_seq WHERE target = ? AND key_json = ?').get(target, keyJson) as
        | { seq: number }
        | undefined)?.seq ?? 0
    );
  }

  /** The intent, durable before the target is touched. */
  recordIntent(id: string): void {
    this.#db.prepare("UPDATE items SET state = 'intent' WHERE id = ?").run(id);
  }

  /** An outcome and the result to report, in one transaction; `written` is remembered for echoes. */
  recordOutcome(
    stored: Pick<StoredItem, 'id' | 'target' | 'keyJson' | 'seq'>,
    state: ItemState,
    result: WritebackResult,
    written?: Record<string, unknown>,
  ): void {
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE items SET state = ?, result_json = ?, reported = 0 WHERE id = ?').run(state, JSON.stringify(result), stored.id);
      if (state === 'applied' || state === 'skipped') {
        this.#db
          .prepare(
            `INSERT INTO applied_seq (target, key_json, seq) VALUES (?, ?, ?)
             ON CONFLICT(target, key_json) DO UPDATE SET seq = MAX(seq, excluded.seq)`,
          )
          .run(stored.target, stored.keyJson, stored.seq);
      }
      if (written !== undefined) {
        this.#db
          .prepare(
            `INSERT INTO written (target, key_json, fields_json) VALUES (?, ?, ?)
             ON CONFLICT(target, key_json) DO UPDATE SET fields_json = excluded.fields_json`,
          )
          .run(stored.target, stored.keyJson, JSON.stringify(written));
      }
      if (state !== 'conflict-waiting') this.#db.prepare('DELETE FROM conflicts WHERE id = ?').run(stored.id);
    })();
  }

  markReported(id: string, result: WritebackResult): void {
    this.#db.prepare('UPDATE items SET reported = 1 WHERE id = ? AND result_json = ?').run(id, JSON.stringify(result));
  }

  holdConflict(conflict: Conflict): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO conflicts (id, premises_json, premises_version, fields_json) VALUES (?, ?, ?, ?)')
      .run(conflict.id, JSON.stringify(conflict.premises), conflict.premisesVersion, JSON.stringify(conflict.fields));
  }

  conflicts(): Conflict[] {
    const rows = this.#db.prepare('SELECT * FROM conflicts ORDER BY id').all() as {
      id: string;
      premises_json: string;
      premises_version: string;
      fields_json: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      premises: JSON.parse(r.premises_json) as Record<string, unknown>,
      premisesVersion: r.premises_version,
      fields: JSON.parse(r.fields_json) as string[],
    }));
  }

  /** Stores a person's decision; a later decision for the same item replaces an unapplied one. */
  decide(decision: Decision, nowIso: string): void {
    const choice = decision.kind === 'resolve' ? decision.choice : { applied: decision.applied };
    this.#db
      .prepare('INSERT OR REPLACE INTO decisions (id, kind, choice_json, decided_at, actor) VALUES (?, ?, ?, ?, ?)')
      .run(decision.id, decision.kind, JSON.stringify(choice), nowIso, decision.actor ?? null);
  }

  decisions(): Decision[] {
    const rows = this.#db.prepare('SELECT id, kind, choice_json, actor FROM decisions ORDER BY decided_at').all() as {
      id: string;
      kind: 'resolve' | 'confirm';
      choice_json: string;
      actor: string | null;
    }[];
    return rows.map((r) => {
      const actor = r.actor === null ? {} : { actor: r.actor };
      return r.kind === 'resolve'
        ? { id: r.id, kind: 'resolve', choice: JSON.parse(r.choice_json) as Record<string, FieldChoice>, ...actor }
        : { id: r.id, kind: 'confirm', applied: (JSON.parse(r.choice_json) as { applied: boolean }).applied, ...actor };
    });
  }

  dropDecision(id: string): void {
    this.#db.prepare('DELETE FROM decisions WHERE id = ?').run(id);
  }

  /** A person said an interrupted item was not applied: it may be applied again (by this person's word). */
  reopen(id: string): void {
    this.#db.prepare("UPDATE items SET state = 'received' WHERE id = ?").run(id);
  }

  written(target: string, keyJson: string): Record<string, unknown> | undefined {
    const row = this.#db.prepare('SELECT fields_json FROM written WHERE target = ? AND key_json = ?').get(target, keyJson) as
      | { fields_json: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.fields_json) as Record<string, unknown>);
  }

  #rows(where: string, ...params: unknown[]): StoredItem[] {
    const rows = this.#db.prepare(`SELECT * FROM items ${where}`).all(...params) as {
      id: string;
      target: string;
      key_json: string;
      seq: number;
      state: ItemState;
      item_json: string;
      result_json: string | null;
      reported: number;
      received_at: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      target: r.target,
      keyJson: r.key_json,
      seq: r.seq,
      state: r.state,
      item: JSON.parse(r.item_json) as WritebackItem,
      result: r.result_json === null ? null : (JSON.parse(r.result_json) as WritebackResult),
      reported: r.reported === 1,
      receivedAt: r.received_at,
    }));
  }
}
