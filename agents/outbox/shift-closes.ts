/**
 * The shift closes a database source sent as documents, for the Shifts screen (api/shift-close.ts).
 * A summary row is written in the transaction that queues the document, so the list holds exactly
 * the shifts that were captured, also after delivery has removed the document's data from the
 * queue; where the document stands is read from the queue, the dead letters and the quarantine.
 * Rows older than RETAIN_DAYS go as new ones come: a few rows a register a day.
 */
import type { ShiftCloseSummary } from '../api/index.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import type { SqliteDatabase } from './open-database.ts';
import { preparedOnce } from './prepared-once.ts';
import type { DayOfZone } from './record-tally.ts';

const RETAIN_DAYS = 400;
const DAY_MS = 86_400_000;

export type ShiftUpload = 'pending' | 'uploaded' | 'failed';

export interface StoredShiftClose {
  source: string;
  stream: string;
  register: string;
  z: string | null;
  key: string;
  closedAt: string;
  businessDay: string;
  currency: string | null;
  total: string | null;
  overShort: string | null;
  balanced: boolean;
  upload: ShiftUpload;
}

interface Row {
  source: string;
  stream: string;
  key_canonical: string;
  register: string;
  z: string | null;
  closed_at: string;
  business_day: string;
  currency: string | null;
  total: string | null;
  over_short: string | null;
  balanced: number;
  queued: number;
  failed: number;
}

export class ShiftCloseStore {
  readonly #db: SqliteDatabase;
  readonly #upsert;
  readonly #prune;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#upsert = db.prepare<[string, string, string, string, string | null, string, string, string | null, string | null, string | null, number, number]>(
      `INSERT INTO shift_closes (source, stream, key_canonical, register, z, closed_at, business_day, currency, total, over_short, balanced, captured_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source, stream, key_canonical) DO UPDATE SET
         register = excluded.register, z = excluded.z, closed_at = excluded.closed_at, business_day = excluded.business_day,
         currency = excluded.currency, total = excluded.total, over_short = excluded.over_short, balanced = excluded.balanced,
         captured_ms = excluded.captured_ms`,
    );
    this.#prune = db.prepare<[number]>('DELETE FROM shift_closes WHERE captured_ms < ?');
  }

  /** Within the enqueue transaction: one row per document; a shift read again replaces its row. */
  writeWithin(source: string, stream: string, summaries: readonly ShiftCloseSummary[], capturedMs: number, zone: DayOfZone): void {
    for (const shift of summaries) {
      const closedAt = shift.closedAt ?? new Date(capturedMs).toISOString();
      // The close time carries the source's offset, so its date is the day in the store.
      const businessDay = shift.closedAt === null ? zone.dayOf(capturedMs) : shift.closedAt.slice(0, 10);
      this.#upsert.run(
        source, stream, canonicalJson(shift.key), shift.register, shift.z, closedAt, businessDay,
        shift.currency, shift.total, shift.overShort, shift.balanced ? 1 : 0, capturedMs,
      );
    }
    if (summaries.length > 0) this.#prune.run(capturedMs - RETAIN_DAYS * DAY_MS);
  }

  /** The newest captured first. */
  list(options: { source?: string | undefined; limit: number }): StoredShiftClose[] {
    const rows = preparedOnce<[string | null, string | null, number], Row>(
      this.#db,
      `SELECT s.*,
           EXISTS (SELECT 1 FROM records r WHERE r.source = s.source AND r.stream = s.stream AND r.key_canonical = s.key_canonical) AS queued,
           (EXISTS (SELECT 1 FROM dead_letters d WHERE d.source = s.source AND d.stream = s.stream AND d.key_canonical = s.key_canonical)
            OR EXISTS (SELECT 1 FROM quarantine q WHERE q.source = s.source AND q.stream = s.stream AND q.key_canonical = s.key_canonical
                       AND q.state = 'open')) AS failed
         FROM shift_closes s
         WHERE (? IS NULL OR s.source = ?)
         ORDER BY s.captured_ms DESC
         LIMIT ?`,
    ).all(options.source ?? null, options.source ?? null, options.limit);
    return rows.map((row) => ({
      source: row.source,
      stream: row.stream,
      register: row.register,
      z: row.z,
      key: row.key_canonical,
      closedAt: row.closed_at,
      businessDay: row.business_day,
      currency: row.currency,
      total: row.total,
      overShort: row.over_short,
      balanced: row.balanced === 1,
      // Queued wins over an older dead letter of the same key: the newest document is what counts.
      upload: row.queued === 1 ? 'pending' : row.failed === 1 ? 'failed' : 'uploaded',
    }));
  }
}
