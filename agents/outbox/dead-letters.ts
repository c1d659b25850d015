/**
 * Records the cloud refused for good (a rejection, a 4xx, a record too large to send). They keep
 * counting toward the size cap: a dead letter is data nobody has decided about yet. A person either
 * replays them (back into the queue as new, unassigned records) or discards them, which leaves an
 * audit row saying what was thrown away and when.
 */
import type { JsonObject, Lane, RecordKey, RecordOp } from '../api/index.ts';
import { depthCounter, type Counters } from './counters.ts';
import type { SqliteDatabase } from './open-database.ts';
import type { DeadLetter, RecordError } from './outbox-types.ts';
import { idSelection } from './record-rows.ts';
import { DayTally, type DayTotals, type TalliedRow } from './day-totals.ts';

interface DeadLetterRow {
  id: number;
  source: string;
  stream: string;
  lane: Lane;
  key_canonical: string;
  op: RecordOp;
  version: string;
  data: string | null;
  captured_at: string;
  attempts: number;
  reason_code: string;
  reason_message: string;
  failed_at: string;
  seq: number;
  grp: string | null;
}

// file_sha256 travels both ways: a refused record keeps its file waiting on the server (file-records.ts).
const COPY_COLUMNS =
  'source, stream, lane, key_canonical, op, version, data, captured_at, captured_ms, bytes, seq, grp, day, currency, amount, file_sha256';

export class DeadLetters {
  readonly #db: SqliteDatabase;
  readonly #counters: Counters;
  readonly #nowIso: () => string;
  readonly #dayTotals: DayTotals;

  constructor(db: SqliteDatabase, counters: Counters, dayTotals: DayTotals, nowIso: () => string) {
    this.#db = db;
    this.#dayTotals = dayTotals;
    this.#counters = counters;
    this.#nowIso = nowIso;
  }

  /**
   * Moves pending records to dead letters. The caller owns the transaction. `attempts` counts the
   * attempt that just failed too.
   */
  moveRecords(ids: readonly number[], reason: RecordError): void {
    if (ids.length === 0) return;
    const idsJson = JSON.stringify(ids);
    const where = 'id IN (SELECT value FROM json_each(?))';
    this.#dayTotals.apply('failed', this.#tally('records', where, [idsJson]));
    const byLane = this.#db
      .prepare<[string], { lane: Lane; n: number }>(
        `SELECT lane, COUNT(*) AS n FROM records WHERE ${where} GROUP BY lane`,
      )
      .all(idsJson);
    // A refused record does not count as what the cloud holds: if it was its key's newest change,
    // the next read of the same content is queued again (cloud-api.md § Batches).
    this.#db
      .prepare(
        `UPDATE key_memory SET version = NULL WHERE EXISTS (
           SELECT 1 FROM records r WHERE r.${where} AND r.source = key_memory.source AND r.stream = key_memory.stream
             AND r.key_canonical = key_memory.key_canonical AND r.seq = key_memory.seq)`,
      )
      .run(idsJson);
    this.#db
      .prepare(
        `INSERT INTO dead_letters (${COPY_COLUMNS}, attempts, reason_code, reason_message, failed_at)
         SELECT ${COPY_COLUMNS}, attempts + 1, ?, ?, ? FROM records WHERE ${where} ORDER BY id`,
      )
      .run(reason.code, reason.message, this.#nowIso(), idsJson);
    const moved = this.#db.prepare(`DELETE FROM records WHERE ${where}`).run(idsJson).changes;
    if (moved !== ids.length) throw new Error(`Expected to dead-letter ${ids.length} records, found ${moved}`);
    for (const { lane, n } of byLane) this.#counters.add(depthCounter(lane), -n);
    this.#counters.add('dead_letters', moved);
  }

  list(opts: { limit?: number; offset?: number } = {}): DeadLetter[] {
    const rows = this.#db
      .prepare<[number, number], DeadLetterRow>('SELECT * FROM dead_letters ORDER BY id LIMIT ? OFFSET ?')
      .all(Math.max(0, Math.trunc(opts.limit ?? 100)), Math.max(0, Math.trunc(opts.offset ?? 0)));
    return rows.map(toDeadLetter);
  }

  #tally(table: 'records' | 'dead_letters', where: string, params: string[]): DayTally {
    const tally = new DayTally();
    const rows = this.#db
      .prepare<string[], TalliedRow>(`SELECT source, stream, day, currency, amount FROM ${table} WHERE ${where} AND day IS NOT NULL`)
      .iterate(...params);
    for (const row of rows) tally.add(row);
    return tally;
  }

  /** How many dead letters (and bytes) a selection holds. */
  #countChosen(where: string, params: string[]): { n: number; bytes: number } {
    return this.#db
      .prepare<string[], { n: number; bytes: number }>(
        `SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes FROM dead_letters WHERE ${where}`,
      )
      .get(...params)!;
  }

  /** Puts dead letters back in the queue (unassigned, attempts 0); returns how many left the list. */
  replay(ids: readonly number[] | 'all'): number {
    const { where, params } = idSelection(ids);
    return this.#db
      .transaction(() => {
        const chosen = this.#countChosen(where, params);
        if (chosen.n === 0) return 0;
        // Back in the queue: no longer refused on their day (they count as delivered once they are).
        this.#dayTotals.apply('failed', this.#tally('dead_letters', where, params), -1);
        const maxIdBefore = this.#db.prepare('SELECT COALESCE(MAX(id), 0) FROM records').pluck().get() as number;
        this.#db
          .prepare(
            `INSERT OR IGNORE INTO streams (source, stream) SELECT DISTINCT source, stream FROM dead_letters WHERE ${where}`,
          )
          .run(...params);
        // A replayed record keeps its seq (cloud-api.md § Batches): if a later change of its key was
        // captured meanwhile, the cloud keeps it as history (stale) and the newer content stays.
        this.#db
          .prepare(
            `INSERT INTO records (${COPY_COLUMNS}, attempts)
             SELECT ${COPY_COLUMNS}, 0 FROM dead_letters WHERE ${where} ORDER BY id`,
          )
          .run(...params);
        // Still its key's newest change: the memory counts its version again (it was forgotten on refusal).
        this.#db
          .prepare(
            `UPDATE key_memory SET version = d.version
             FROM (SELECT source, stream, key_canonical, seq, version FROM dead_letters WHERE ${where}) AS d
             WHERE key_memory.version IS NULL AND d.source = key_memory.source AND d.stream = key_memory.stream
               AND d.key_canonical = key_memory.key_canonical AND d.seq = key_memory.seq`,
          )
          .run(...params);
        // New rowids are always above the previous maximum, so these are exactly the replayed rows.
        const inserted = this.#db
          .prepare<[number], { lane: Lane; n: number; bytes: number }>(
            'SELECT lane, COUNT(*) AS n, SUM(bytes) AS bytes FROM records WHERE id > ? GROUP BY lane',
          )
          .all(maxIdBefore);
        this.#db.prepare(`DELETE FROM dead_letters WHERE ${where}`).run(...params);
        let insertedBytes = 0;
        for (const { lane, n, bytes } of inserted) {
          this.#counters.add(depthCounter(lane), n);
          insertedBytes += bytes;
        }
        this.#counters.add('dead_letters', -chosen.n);
        this.#counters.add('queued_bytes', insertedBytes - chosen.bytes);
        return chosen.n;
      })
      .immediate();
  }

  /** Deletes dead letters for good, leaving an audit row for each; returns how many. */
  discard(ids: readonly number[] | 'all'): number {
    const { where, params } = idSelection(ids);
    return this.#db
      .transaction(() => {
        const chosen = this.#countChosen(where, params);
        if (chosen.n === 0) return 0;
        this.#db
          .prepare(
            `INSERT INTO discard_audit (dead_letter_id, source, stream, key_canonical, op, version, captured_at,
                                        reason_code, reason_message, failed_at, discarded_at, file_sha256)
             SELECT id, source, stream, key_canonical, op, version, captured_at, reason_code, reason_message, failed_at, ?, file_sha256
             FROM dead_letters WHERE ${where} ORDER BY id`,
          )
          .run(this.#nowIso(), ...params);
        this.#db.prepare(`DELETE FROM dead_letters WHERE ${where}`).run(...params);
        this.#counters.add('dead_letters', -chosen.n);
        this.#counters.add('queued_bytes', -chosen.bytes);
        return chosen.n;
      })
      .immediate();
  }
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  const letter: DeadLetter = {
    id: row.id,
    source: row.source,
    stream: row.stream,
    key: JSON.parse(row.key_canonical) as RecordKey,
    op: row.op,
    version: row.version,
    seq: row.seq,
    capturedAt: row.captured_at,
    lane: row.lane,
    reasonCode: row.reason_code,
    reasonMessage: row.reason_message,
    failedAt: row.failed_at,
    attempts: row.attempts,
  };
  if (row.data !== null) letter.data = JSON.parse(row.data) as JsonObject;
  if (row.grp !== null) letter.group = row.grp;
  return letter;
}
