/**
 * Batches: groups of records of one (source, stream) that are sent as one request. A batch is
 * persisted when it is formed and keeps its id, createdAt and records across retries and restarts,
 * so a resent request body is byte-identical and its Idempotency-Key stays valid.
 *
 * By default one stream has at most one batch open for sending at a time. A pipelining sender
 * (`whileEarlierInFlight`) may take a stream's next batch while its earlier ones are in flight: the
 * cloud orders a key's changes by `seq` (an earlier change arriving late is answered `stale` and
 * dropped here as superseded), so arrival order no longer decides which change wins. A batch that
 * waits for its retry still holds its stream back, so a failing stream stops instead of racing ahead.
 */
import { monotonicFactory } from 'ulid';
import { GroupRejectedCode, RenumberRejectionCodes } from '../api/cloud.ts';
import type { Lane } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { depthCounter, type Counters, type StreamCounters } from './counters.ts';
import type { DeadLetters } from './dead-letters.ts';
import { DayTally, type DayTotals } from './day-totals.ts';
import { groupSafeCut, groupSafeHalf } from './group-cut.ts';
import type { KeyMemory } from './key-memory.ts';
import type { SqliteDatabase } from './open-database.ts';
import { preparedOnce } from './prepared-once.ts';
import { commitWithoutWaitingForDisk } from './bookkeeping-commit.ts';
import type { BatchSettlement, BatchVerdict, OutboxBatch, RecordError } from './outbox-types.ts';
import { RECORD_COLUMNS, type RecordRow, toOutboxRecord, wireBytes } from './record-rows.ts';
import type { SeqClock } from './seq-clock.ts';

interface BatchRow {
  batch_id: string;
  source: string;
  stream: string;
  lane: Lane;
  created_at: string;
  first_record_id: number;
  attempts: number;
  next_attempt_at: number;
  schema_version: number;
}

const TOO_LARGE: RecordError = {
  code: 'record_too_large',
  message:
    'The cloud refused this record (or its group) as too large (HTTP 413) even when sent on its own. Look for an oversized field in the source row; replay the record once it is smaller, or discard it.',
};

/** The cloud's limit on records per batch: a group may stretch a batch up to it, never beyond. */
const CLOUD_MAX_RECORDS = 5000;

const RENUMBER_CODES: ReadonlySet<string> = new Set(RenumberRejectionCodes);

export interface NextBatchOptions {
  lane: Lane;
  maxRecords: number;
  maxBytes: number;
  excludeSources?: readonly string[];
  whileEarlierInFlight?: boolean;
}

export class BatchQueue {
  readonly #db: SqliteDatabase;
  readonly #counters: Counters;
  readonly #deadLetters: DeadLetters;
  readonly #clock: Clock;
  readonly #seqClock: SeqClock;
  readonly #keys: KeyMemory;
  readonly #dayTotals: DayTotals;
  readonly #streamCounters: StreamCounters;
  readonly #ulid = monotonicFactory();
  /** Handed out and not yet settled. Memory only: after a restart nothing is in flight. */
  readonly #inFlight = new Set<string>();

  constructor(
    db: SqliteDatabase,
    counters: Counters,
    deadLetters: DeadLetters,
    clock: Clock,
    seqClock: SeqClock,
    keys: KeyMemory,
    dayTotals: DayTotals,
    streamCounters: StreamCounters,
  ) {
    this.#db = db;
    this.#dayTotals = dayTotals;
    this.#streamCounters = streamCounters;
    this.#counters = counters;
    this.#deadLetters = deadLetters;
    this.#clock = clock;
    this.#seqClock = seqClock;
    this.#keys = keys;
  }

  /**
   * The next batch to send; `excludeSources` are halted by the cloud (their batches wait).
   * `whileEarlierInFlight`: batches of a stream already in flight do not hold back its next one
   * (a pipelining sender; see the file comment).
   */
  next(opts: NextBatchOptions): OutboxBatch | null {
    const maxRecords = Math.max(1, Math.trunc(opts.maxRecords));
    const now = this.#clock.now();
    const excluded = JSON.stringify(opts.excludeSources ?? []);
    // Batches that do not hold their stream back: none by default, those in flight when pipelining.
    const passing = opts.whileEarlierInFlight === true ? this.#inFlightJson() : '[]';
    const formed =
      this.#dueBatch(opts.lane, now, excluded, passing) ??
      commitWithoutWaitingForDisk(this.#db, () =>
        this.#formBatch(opts.lane, maxRecords, opts.maxBytes, now, excluded, passing),
      );
    if (formed === null) return null;
    this.#inFlight.add(formed.batch_id);
    return {
      batchId: formed.batch_id,
      source: formed.source,
      stream: formed.stream,
      lane: formed.lane,
      createdAt: formed.created_at,
      schemaVersion: formed.schema_version,
      attempts: formed.attempts,
      records: this.#recordRows(formed.batch_id).map(toOutboxRecord),
    };
  }

  /**
   * Settles a batch the cloud answered (cloud-api.md § Batches). Accepted and duplicate records are
   * done. A record refused for its seq (`seq_conflict`, `seq_in_future`) or answered `stale` is
   * renumbered and queued again while it is still its key's newest change, and otherwise dropped as
   * superseded (the later change carries the content). Other refusals are dead-lettered with the
   * cloud's reason; a group member refused only because of its group follows the member that caused it.
   */
  complete(batchId: string, verdict: BatchVerdict): BatchSettlement {
    const settlement = this.#db
      .transaction((): BatchSettlement => {
        const batch = this.#batch(batchId);
        const rows = this.#settleRows(batchId);
        const rejected = rejectionsByIndex(batchId, rows.length, verdict.rejected);
        if (verdict.rejected.some((r) => r.code === 'seq_in_future')) this.#restartSeqClock();
        const groupCause = new Map<string, RecordError>();
        for (const [index, reason] of rejected) {
          const grp = rows[index]!.grp;
          if (grp !== null && reason.code !== GroupRejectedCode && !groupCause.has(grp)) groupCause.set(grp, reason);
        }
        const result: BatchSettlement = { delivered: 0, deadLettered: 0, renumbered: 0, superseded: 0 };
        const deadLetterIds = new Map<string, { reason: RecordError; ids: number[] }>();
        const stale = new Set(verdict.staleIndexes);
        let settledBytes = 0;
        // Delivered and superseded records are done with: both count as delivered on their day.
        const settled = new DayTally();
        rows.forEach((row, index) => {
          const refusal = rejected.get(index);
          const cause = refusal?.code === GroupRejectedCode && row.grp !== null ? groupCause.get(row.grp) : undefined;
          const needsNewSeq =
            refusal === undefined
              ? stale.has(index)
              : RENUMBER_CODES.has(refusal.code) || (cause !== undefined && RENUMBER_CODES.has(cause.code));
          if (refusal !== undefined && !needsNewSeq) {
            const entry = deadLetterIds.get(refusal.code + '\u0000' + refusal.message) ?? { reason: refusal, ids: [] };
            entry.ids.push(row.id);
            deadLetterIds.set(refusal.code + '\u0000' + refusal.message, entry);
            result.deadLettered += 1;
            return;
          }
          // Only a record refused for its seq asks the key memory whether it is still its key's newest.
          if (needsNewSeq && this.#keys.latestSeq(row.source, row.stream, row.key_canonical) === row.seq) {
            this.#renumber(row);
            result.renumbered += 1;
            return;
          }
          // Delivered, or refused/stale while a later change of the key is already captured: removed
          // below with the rest of the batch.
          settledBytes += row.bytes;
          settled.add(row);
          if (needsNewSeq) result.superseded += 1;
          else result.delivered += 1;
        });
        for (const { reason, ids } of deadLetterIds.values()) this.#deadLetters.moveRecords(ids, reason);
        // Renumbered records left the batch and dead letters left the table: what remains is settled.
        this.#db.prepare('DELETE FROM records WHERE batch_id = ?').run(batchId);
        this.#db.prepare('DELETE FROM batches WHERE batch_id = ?').run(batchId);
        this.#counters.add(depthCounter(batch.lane), -(result.delivered + result.superseded));
        this.#counters.add('queued_bytes', -settledBytes);
        this.#counters.add('delivered', result.delivered);
        this.#dayTotals.apply('delivered', settled);
        // Per stream, the records sent minus those refused is what the cloud took (accepted +
        // duplicates + stale, since its counts add up to the records sent).
        this.#streamCounters.addDelivered(batch.source, batch.stream, rows.length - rejected.size);
        return result;
      })
      .immediate();
    this.#inFlight.delete(batchId);
    return settlement;
  }

  /** Gives a record a new seq and puts it back in the queue (unassigned, ahead of newer records by id). */
  #renumber(row: SettleRow): void {
    const seq = this.#seqClock.next();
    this.#db.prepare('UPDATE records SET seq = ?, batch_id = NULL WHERE id = ?').run(seq, row.id);
    this.#keys.renumbered(row.source, row.stream, row.key_canonical, row.seq, seq);
  }

  /**
   * `seq_in_future`: this clock ran more than a day ahead of the cloud's. Start it again from
   * max(floor, now) and renumber every record not yet handed to a batch, in queue order, so each key's
   * changes stay increasing. Records in other formed batches keep theirs (they may already be at the
   * cloud, and a batch must keep its records): if refused, they are renumbered when their answer comes.
   */
  #restartSeqClock(): void {
    this.#seqClock.reset();
    const unsent = this.#db
      .prepare<[], Pick<RecordRow, 'id' | 'source' | 'stream' | 'key_canonical' | 'seq'>>(
        'SELECT id, source, stream, key_canonical, seq FROM records WHERE batch_id IS NULL ORDER BY id',
      )
      .all();
    for (const row of unsent) {
      const seq = this.#seqClock.next();
      this.#db.prepare('UPDATE records SET seq = ? WHERE id = ?').run(seq, row.id);
      this.#keys.renumbered(row.source, row.stream, row.key_canonical, row.seq, seq);
    }
  }

  retry(batchId: string, retry: { nextAttemptAt: number; error: RecordError }): void {
    this.#db
      .transaction(() => {
        const changed = this.#db
          .prepare(
            `UPDATE batches SET attempts = attempts + 1, next_attempt_at = ?, last_error_code = ?, last_error_message = ?
             WHERE batch_id = ?`,
          )
          .run(Math.trunc(retry.nextAttemptAt), retry.error.code, retry.error.message, batchId).changes;
        if (changed === 0) throw new Error(`No batch ${batchId} to retry`);
        this.#db.prepare('UPDATE records SET attempts = attempts + 1 WHERE batch_id = ?').run(batchId);
      })
      .immediate();
    this.#inFlight.delete(batchId);
  }

  /** HTTP 413: halves go back as two new batches, due now; a single record cannot shrink and is dead-lettered. */
  split(batchId: string): void {
    this.#db
      .transaction(() => {
        const batch = this.#batch(batchId);
        const rows = this.#recordRows(batchId);
        const ids = rows.map((row) => row.id);
        // Never inside a group: a batch that is one group cannot shrink.
        const half = groupSafeHalf(rows.map((row) => row.grp));
        if (half === null) {
          this.#deadLetters.moveRecords(ids, TOO_LARGE);
        } else {
          const now = this.#clock.now();
          const first = this.#insertBatch(batch, ids[0]!, now);
          const second = this.#insertBatch(batch, ids[half]!, now);
          this.#db
            .prepare('UPDATE records SET batch_id = ? WHERE batch_id = ? AND id < ?')
            .run(first, batchId, ids[half]!);
          this.#db.prepare('UPDATE records SET batch_id = ? WHERE batch_id = ?').run(second, batchId);
        }
        this.#db.prepare('DELETE FROM batches WHERE batch_id = ?').run(batchId);
      })
      .immediate();
    this.#inFlight.delete(batchId);
  }

  deadLetter(batchId: string, error: RecordError): void {
    this.#db
      .transaction(() => {
        this.#batch(batchId);
        this.#deadLetters.moveRecords(
          this.#recordRows(batchId).map((row) => row.id),
          error,
        );
        this.#db.prepare('DELETE FROM batches WHERE batch_id = ?').run(batchId);
      })
      .immediate();
    this.#inFlight.delete(batchId);
  }

  releaseInFlight(): void {
    this.#inFlight.clear();
  }

  /** Earliest next attempt among formed batches that are not in flight. */
  /** Batches whose last failure had one of `codes` are due now (their cause may be gone); returns how many. */
  dueAgain(codes: readonly string[]): number {
    return this.#db
      .prepare<[string]>('UPDATE batches SET next_attempt_at = 0 WHERE last_error_code IN (SELECT value FROM json_each(?))')
      .run(JSON.stringify(codes)).changes;
  }

  nextAttemptAt(): number | null {
    return (
      preparedOnce<[string], number | null>(
        this.#db,
        'SELECT MIN(next_attempt_at) FROM batches WHERE batch_id NOT IN (SELECT value FROM json_each(?))',
        'pluck',
      ).get(this.#inFlightJson()) ?? null
    );
  }

  #dueBatch(lane: Lane, now: number, excluded: string, passing: string): BatchRow | null {
    return (
      this.#db
        .prepare<[Lane, number, string, string, string], BatchRow>(
          `SELECT b.* FROM batches b
           WHERE b.lane = ? AND b.next_attempt_at <= ? AND b.batch_id NOT IN (SELECT value FROM json_each(?))
             AND b.source NOT IN (SELECT value FROM json_each(?))
             AND NOT EXISTS (SELECT 1 FROM batches o
                             WHERE o.source = b.source AND o.stream = b.stream AND o.first_record_id < b.first_record_id
                               AND o.batch_id NOT IN (SELECT value FROM json_each(?)))
           ORDER BY b.first_record_id LIMIT 1`,
        )
        .get(lane, now, this.#inFlightJson(), excluded, passing) ?? null
    );
  }

  #formBatch(
    lane: Lane,
    maxRecords: number,
    maxBytes: number,
    now: number,
    excluded: string,
    passing: string,
  ): BatchRow | null {
    return this.#db
      .transaction((): BatchRow | null => {
        // The stream whose oldest unassigned record is oldest, among streams with no batch open
        // (batches in `passing` do not count).
        const group = this.#db
          .prepare<[Lane, string, string], { source: string; stream: string }>(
            `SELECT source, stream FROM (
               SELECT s.source, s.stream,
                 (SELECT r.id FROM records r
                  WHERE r.batch_id IS NULL AND r.lane = ? AND r.source = s.source AND r.stream = s.stream
                  ORDER BY r.id LIMIT 1) AS first_id
               FROM streams s
               WHERE NOT EXISTS (SELECT 1 FROM batches b WHERE b.source = s.source AND b.stream = s.stream
                                   AND b.batch_id NOT IN (SELECT value FROM json_each(?)))
                 AND s.source NOT IN (SELECT value FROM json_each(?)))
             WHERE first_id IS NOT NULL ORDER BY first_id LIMIT 1`,
          )
          .get(lane, passing, excluded);
        if (group === undefined) return null;
        // One more than fits; up to the cloud's limit only when a group at the cut needs the room
        // (a group is never split across batches, cloud-api.md § Batches). Sizes only, no data.
        const readUpTo = (limit: number) =>
          this.#db
            .prepare<[Lane, string, string, number], CutRow>(
              `SELECT id, bytes, op, version, captured_at, grp, schema_version,
                      CASE WHEN data IS NULL THEN NULL ELSE '' END AS data
               FROM records
               WHERE batch_id IS NULL AND lane = ? AND source = ? AND stream = ? ORDER BY id LIMIT ?`,
            )
            .all(lane, group.source, group.stream, limit);
        const shortLimit = Math.min(maxRecords, CLOUD_MAX_RECORDS) + 1;
        let cut = batchCut(readUpTo(shortLimit), maxRecords, maxBytes);
        if (cut.truncatedGroup && shortLimit < CLOUD_MAX_RECORDS + 1) {
          cut = batchCut(readUpTo(CLOUD_MAX_RECORDS + 1), maxRecords, maxBytes);
        }
        const { candidates, taken, schemaVersion } = cut;
        const first = candidates[0]!;
        const last = candidates[taken - 1]!;
        const batchId = this.#insertBatch({ source: group.source, stream: group.stream, lane, schema_version: schemaVersion }, first.id, now);
        const assigned = this.#db
          .prepare(
            `UPDATE records SET batch_id = ?
             WHERE batch_id IS NULL AND lane = ? AND source = ? AND stream = ? AND id <= ?`,
          )
          .run(batchId, lane, group.source, group.stream, last.id).changes;
        if (assigned !== taken) throw new Error(`Batch ${batchId} took ${assigned} records, expected ${taken}`);
        return this.#batch(batchId);
      })
      .immediate();
  }

  #insertBatch(group: { source: string; stream: string; lane: Lane; schema_version: number }, firstRecordId: number, now: number): string {
    const batchId = this.#ulid(now);
    this.#db
      .prepare(
        `INSERT INTO batches (batch_id, source, stream, lane, created_at, first_record_id, attempts, next_attempt_at,
                              schema_version)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      )
      .run(batchId, group.source, group.stream, group.lane, new Date(now).toISOString(), firstRecordId, now, group.schema_version);
    return batchId;
  }

  #batch(batchId: string): BatchRow {
    const row = this.#db.prepare<[string], BatchRow>('SELECT * FROM batches WHERE batch_id = ?').get(batchId);
    if (row === undefined) throw new Error(`No batch ${batchId} in the outbox (already settled?)`);
    return row;
  }

  /** What settling a batch reads of its records: everything but the data, which it never looks at. */
  #settleRows(batchId: string): SettleRow[] {
    return this.#db
      .prepare<[string], SettleRow>(
        `SELECT id, source, stream, key_canonical, bytes, seq, grp, day, currency, amount FROM records
         WHERE batch_id = ? ORDER BY id`,
      )
      .all(batchId);
  }

  #recordRows(batchId: string): RecordRow[] {
    return this.#db
      .prepare<[string], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM records WHERE batch_id = ? ORDER BY id`)
      .all(batchId);
  }

  #inFlightJson(): string {
    return JSON.stringify([...this.#inFlight]);
  }
}

type SettleRow = Pick<
  RecordRow,
  'id' | 'source' | 'stream' | 'key_canonical' | 'bytes' | 'seq' | 'grp' | 'day' | 'currency' | 'amount'
>;

/** What forming a batch reads of each candidate record: enough to size it and to cut it. */
type CutRow = Pick<RecordRow, 'id' | 'bytes' | 'op' | 'version' | 'captured_at' | 'grp' | 'schema_version'> & {
  /** '' for an upsert, null for a delete: wireBytes only asks which. */
  data: string | null;
};

/**
 * Where the next batch of `read` (a stream's unassigned records, oldest first) ends: within the
 * size limits, one schemaVersion, never inside a group. `truncatedGroup`: the cut stretched to the
 * end of what was read, so the group there may go on beyond it (read more and cut again).
 */
function batchCut(
  read: CutRow[],
  maxRecords: number,
  maxBytes: number,
): { candidates: CutRow[]; taken: number; schemaVersion: number; truncatedGroup: boolean } {
  // A batch has one schemaVersion: records queued after "re-send with the new mapping" start a new one.
  const schemaVersion = read[0]!.schema_version;
  const otherSchema = read.findIndex((row) => row.schema_version !== schemaVersion);
  const candidates = otherSchema === -1 ? read : read.slice(0, otherSchema);
  let fits = 0;
  let bytes = 0;
  for (const row of candidates.slice(0, maxRecords)) {
    bytes += wireBytes(row);
    if (fits > 0 && bytes > maxBytes) break;
    fits += 1;
  }
  const taken = groupSafeCut(
    candidates.map((row) => row.grp),
    fits,
    CLOUD_MAX_RECORDS,
  );
  const truncatedGroup = otherSchema === -1 && taken === read.length && taken > fits;
  return { candidates, taken, schemaVersion, truncatedGroup };
}

function rejectionsByIndex(
  batchId: string,
  count: number,
  rejections: BatchVerdict['rejected'],
): Map<number, RecordError> {
  const rejected = new Map<number, RecordError>();
  for (const r of rejections) {
    if (!Number.isInteger(r.index) || r.index < 0 || r.index >= count) {
      throw new Error(`Rejection index ${r.index} is outside batch ${batchId} of ${count} records`);
    }
    if (!rejected.has(r.index)) rejected.set(r.index, { code: r.code, message: r.message });
  }
  return rejected;
}
