/**
 * Alerts that must outlive a restart (outbox full, outbox was corrupt, agent revoked…). One row per
 * code: raising again updates the words but keeps `since`, so "since when" stays true.
 *
 * Two kinds (issue 9): an **event** happened once (a short shift, a rejected file, a refused
 * record) and stays until a person acknowledges it; a **condition** (revoked, delivery halted, not
 * enrolled, queue full, cloud unreachable) lasts exactly as long as its cause and cannot be
 * acknowledged away: the code that raised it clears it when the cause is gone. Unknown codes count
 * as conditions, so nothing that still holds can be silenced by accident.
 */
import type { Alert, AlertKind } from '../api/index.ts';
import type { SqliteDatabase } from './open-database.ts';
import { preparedOnce } from './prepared-once.ts';

/** Code prefixes of alerts that report something that happened (acknowledgeable). */
const EVENT_CODE_PREFIXES = [
  'shift_unbalanced:',
  'z_gap:',
  'z_cash:',
  'statement_gap:',
  'file_quarantined:',
  'file_duplicate:',
  'record_refused:',
  'file_upload_failed:',
  'outbox_corrupt',
  'cloud_deprecation',
  // Wrong tokens on the control API (control/refusal-gate.ts): it happened; a person looks and acknowledges.
  'control_auth_failures',
] as const;

export function alertKind(code: string): AlertKind {
  return EVENT_CODE_PREFIXES.some((prefix) => code === prefix || code.startsWith(prefix)) ? 'event' : 'condition';
}

export interface AcknowledgeResult {
  /** Codes of the events that were acknowledged (and are gone from status). */
  acknowledged: string[];
  /** Codes that are conditions: they clear when their cause goes away. */
  conditions: string[];
  /** Codes that are not raised (already acknowledged or cleared, or mistyped). */
  unknown: string[];
}

export class AlertStore {
  readonly #db: SqliteDatabase;
  readonly #nowIso: () => string;

  constructor(db: SqliteDatabase, nowIso: () => string) {
    this.#db = db;
    this.#nowIso = nowIso;
  }

  raise(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void {
    preparedOnce<[string, string, string, string]>(
      this.#db,
      `INSERT INTO alerts (code, severity, message, since) VALUES (?, ?, ?, ?)
       ON CONFLICT (code) DO UPDATE SET severity = excluded.severity, message = excluded.message`,
    ).run(alert.code, alert.severity, alert.message, this.#nowIso());
  }

  clear(code: string): void {
    preparedOnce<[string]>(this.#db, 'DELETE FROM alerts WHERE code = ?').run(code);
  }

  list(): Alert[] {
    return preparedOnce<[], Omit<Alert, 'kind'>>(this.#db, 'SELECT code, severity, message, since FROM alerts ORDER BY since, code')
      .all()
      .map((alert) => ({ ...alert, kind: alertKind(alert.code) }));
  }

  /**
   * Acknowledges events by code (`'all'`: every raised event). An acknowledged event is removed; it
   * shows again only if it happens again. Conditions are refused, never removed.
   */
  acknowledge(codes: readonly string[] | 'all'): AcknowledgeResult {
    return this.#db
      .transaction(() => {
        const raised = new Map(this.list().map((alert) => [alert.code, alert]));
        const wanted =
          codes === 'all'
            ? [...raised.values()].filter((a) => a.kind === 'event').map((a) => a.code)
            : [...new Set(codes)];
        const result: AcknowledgeResult = { acknowledged: [], conditions: [], unknown: [] };
        for (const code of wanted) {
          const alert = raised.get(code);
          if (alert === undefined) result.unknown.push(code);
          else if (alert.kind === 'condition') result.conditions.push(code);
          else {
            this.clear(code);
            result.acknowledged.push(code);
          }
        }
        return result;
      })
      .immediate();
  }
}
