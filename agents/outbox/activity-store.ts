/**
 * The Activity screen's "what happened, in words" and the Overview's 24-hour charts, kept in the
 * outbox so a restart neither forgets the day's story nor blanks the charts. Both are bounded: the
 * activity keeps its newest entries (and nothing older than the retention), the charts one sample
 * per minute for a little over a day.
 */
import type { ActivityEntry } from '../api/index.ts';
import type { SqliteDatabase } from './open-database.ts';

export interface ActivityFilter {
  kind?: ActivityEntry['kind'] | undefined;
  source?: string | undefined;
  /** Words the message must contain (case-insensitive). */
  text?: string | undefined;
  limit: number;
}

/** One minute of the charts: the outbox's running delivered total and the queue depth at that moment. */
export interface HistorySample {
  atMs: number;
  delivered: number;
  depth: number;
}

export const ACTIVITY_KEEP_ENTRIES = 20_000;
export const ACTIVITY_KEEP_DAYS = 90;
const HISTORY_KEEP_MS = 25 * 3600_000;

interface ActivityRow {
  at: string;
  kind: ActivityEntry['kind'];
  source: string | null;
  message: string;
}

export class ActivityStore {
  readonly #db: SqliteDatabase;
  readonly #insert;
  readonly #trim;
  readonly #has;
  readonly #insertSample;
  readonly #trimSamples;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare<[string, string, string | null, string, number]>(
      'INSERT INTO activity (at, kind, source, message, at_ms) VALUES (?, ?, ?, ?, ?)',
    );
    this.#trim = db.prepare<[number, number]>(
      'DELETE FROM activity WHERE id <= (SELECT MAX(id) FROM activity) - ? OR at_ms < ?',
    );
    this.#has = db
      .prepare<[string, string, string], number>('SELECT 1 FROM activity WHERE kind = ? AND at = ? AND message = ? LIMIT 1')
      .pluck();
    this.#insertSample = db.prepare<[number, number, number]>(
      'INSERT OR REPLACE INTO history_samples (at_ms, delivered, depth) VALUES (?, ?, ?)',
    );
    this.#trimSamples = db.prepare<[number]>('DELETE FROM history_samples WHERE at_ms < ?');
  }

  add(entry: ActivityEntry): void {
    const atMs = Date.parse(entry.at);
    this.#db.transaction(() => {
      this.#insert.run(entry.at, entry.kind, entry.source, entry.message, atMs);
      this.#trim.run(ACTIVITY_KEEP_ENTRIES, atMs - ACTIVITY_KEEP_DAYS * 86_400_000);
    })();
  }

  has(entry: Pick<ActivityEntry, 'kind' | 'at' | 'message'>): boolean {
    return this.#has.get(entry.kind, entry.at, entry.message) !== undefined;
  }

  /** Newest first. */
  list(filter: ActivityFilter): ActivityEntry[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.kind !== undefined) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (filter.source !== undefined) {
      where.push('source = ?');
      params.push(filter.source);
    }
    if (filter.text !== undefined && filter.text.trim() !== '') {
      // instr on lower(): no LIKE wildcards to escape, and the words are matched as typed.
      where.push('instr(lower(message), ?) > 0');
      params.push(filter.text.trim().toLowerCase());
    }
    params.push(Math.max(1, Math.trunc(filter.limit)));
    return this.#db
      .prepare<Array<string | number>, ActivityRow>(
        `SELECT at, kind, source, message FROM activity ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
         ORDER BY id DESC LIMIT ?`,
      )
      .all(...params)
      .map((row) => ({ at: row.at, kind: row.kind, source: row.source, message: row.message }));
  }

  addSample(sample: HistorySample): void {
    this.#db.transaction(() => {
      this.#insertSample.run(Math.trunc(sample.atMs), sample.delivered, sample.depth);
      this.#trimSamples.run(sample.atMs - HISTORY_KEEP_MS);
    })();
  }

  /** Samples taken at or after `sinceMs`, oldest first. */
  samples(sinceMs: number): HistorySample[] {
    return this.#db
      .prepare<[number], HistorySample>(
        'SELECT at_ms AS atMs, delivered, depth FROM history_samples WHERE at_ms >= ? ORDER BY at_ms',
      )
      .all(Math.trunc(sinceMs));
  }
}
