/**
 * Alerts that must outlive a restart (outbox full, outbox was corrupt, agent revoked…). One row per
 * code: raising again updates the words but keeps `since`, so "since when" stays true.
 */
import type { Alert } from '../api/index.ts';
import type { SqliteDatabase } from './open-database.ts';

export class AlertStore {
  readonly #db: SqliteDatabase;
  readonly #nowIso: () => string;

  constructor(db: SqliteDatabase, nowIso: () => string) {
    this.#db = db;
    this.#nowIso = nowIso;
  }

  raise(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void {
    this.#db
      .prepare(
        `INSERT INTO alerts (code, severity, message, since) VALUES (?, ?, ?, ?)
         ON CONFLICT (code) DO UPDATE SET severity = excluded.severity, message = excluded.message`,
      )
      .run(alert.code, alert.severity, alert.message, this.#nowIso());
  }

  clear(code: string): void {
    this.#db.prepare('DELETE FROM alerts WHERE code = ?').run(code);
  }

  list(): Alert[] {
    return this.#db.prepare<[], Alert>('SELECT code, severity, message, since FROM alerts ORDER BY since, code').all();
  }
}
