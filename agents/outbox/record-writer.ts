/**
 * The write side of capture: a source's records and its new checkpoint go in together or not at all
 * (DESIGN.md §4.2), and the size cap is enforced before anything is written (§4.3).
 */
import type { CheckpointParts, JsonValue, Lane, ShiftCloseSummary, SourceRecord } from '../api/index.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import { CheckpointPartStore, assertPartsKept, checkpointPartBytes, type StoredCheckpointPart } from './checkpoint-part-store.ts';
import { depthCounter, type Counters } from './counters.ts';
import type { SqliteDatabase } from './open-database.ts';
import type { KeyMemory } from './key-memory.ts';
import { OutboxFullError, formatBytes } from './outbox-full-error.ts';
import { versionOfCanonical } from './record-version.ts';
import type { SeqClock } from './seq-clock.ts';
import { DayTally, type DayTotals } from './day-totals.ts';
import { dayOfZone, tallyOf, type DayOfZone } from './record-tally.ts';
import { spaceShortage, type SpaceShortage } from './space-reserve.ts';
import type { QuarantineMark, QuarantineStore, QuarantinedRecord } from './quarantine-store.ts';
import type { SinkQueueStore } from './sink-queue-store.ts';
import type { ShiftCloseStore } from './shift-closes.ts';

export interface EnqueueInput {
  source: string;
  stream: string;
  lane: Lane;
  records: SourceRecord[];
  checkpoint: JsonValue;
  /**
   * The checkpoint's parts (api/checkpoint-parts.ts): `put` stored and the stream's parts outside `keep`
   * deleted, in the checkpoint's transaction. Absent: the stream's stored parts are left as they are.
   */
  checkpointParts?: CheckpointParts | undefined;
  /** The source's IANA zone: a record without its own business day counts on the day it was captured there. */
  timeZone?: string | undefined;
  /**
   * Records (by index) the stream's mapping or validation stopped: they get their seq like the others,
   * in capture order, but wait in quarantine instead of the queue (quarantine-store.ts).
   */
  quarantine?: ReadonlyMap<number, QuarantineMark> | undefined;
  /** The stream's schema version (raised by "re-send with the new mapping"); part of every version. */
  schemaVersion?: number | undefined;
  /** The file the records were read from (a folder source's page): kept with each record (file-records.ts). */
  fileSha256?: string | undefined;
  /** Shift closes sent as documents in this page: their summaries for the Shifts screen, in the same commit. */
  shiftCloses?: readonly ShiftCloseSummary[] | undefined;
}

interface PreparedRecord {
  keyJson: string;
  op: SourceRecord['op'];
  version: string;
  dataJson: string | null;
  capturedAt: string;
  capturedMs: number;
  bytes: number;
  group: string | null;
  day: string;
  currency: string;
  amount: string | null;
}

export class RecordWriter {
  readonly #db: SqliteDatabase;
  readonly #counters: Counters;
  readonly #seqClock: SeqClock;
  readonly #keys: KeyMemory;
  readonly #dayTotals: DayTotals;
  readonly #maxBytes: number;
  readonly #quarantine: QuarantineStore;
  readonly #sinks: SinkQueueStore;
  readonly #insertRecord;
  readonly #insertStream;
  readonly #upsertCheckpoint;
  readonly #getCheckpoint;
  readonly #parts: CheckpointPartStore;
  readonly #shifts: ShiftCloseStore;
  readonly #enqueueTx;

  constructor(
    db: SqliteDatabase,
    counters: Counters,
    seqClock: SeqClock,
    keys: KeyMemory,
    dayTotals: DayTotals,
    maxBytes: number,
    quarantine: QuarantineStore,
    sinks: SinkQueueStore,
    shifts: ShiftCloseStore,
  ) {
    this.#quarantine = quarantine;
    this.#sinks = sinks;
    this.#shifts = shifts;
    this.#db = db;
    this.#dayTotals = dayTotals;
    this.#counters = counters;
    this.#seqClock = seqClock;
    this.#keys = keys;
    this.#maxBytes = maxBytes;
    this.#insertRecord = db.prepare<
      [
        string,
        string,
        Lane,
        string,
        string,
        string,
        string | null,
        string,
        number,
        number,
        number,
        string | null,
        string,
        string,
        string | null,
        number,
        string | null,
      ]
    >(
      `INSERT INTO records (source, stream, lane, key_canonical, op, version, data, captured_at, captured_ms, bytes, seq, grp,
                            day, currency, amount, schema_version, file_sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertStream = db.prepare<[string, string]>('INSERT OR IGNORE INTO streams (source, stream) VALUES (?, ?)');
    this.#upsertCheckpoint = db.prepare<[string, string, string]>(
      `INSERT INTO checkpoints (source, stream, value) VALUES (?, ?, ?)
       ON CONFLICT (source, stream) DO UPDATE SET value = excluded.value`,
    );
    this.#getCheckpoint = db
      .prepare<[string, string], string>('SELECT value FROM checkpoints WHERE source = ? AND stream = ?')
      .pluck();
    this.#parts = new CheckpointPartStore(db);
    this.#enqueueTx = db.transaction((input: EnqueueInput, rows: PreparedRecord[], checkpointJson: string, partBytes: number) =>
      this.#write(input, rows, checkpointJson, partBytes),
    );
  }

  enqueue(input: EnqueueInput): { inserted: number; duplicates: number } {
    // Canonicalise and hash before taking the write lock: the transaction only writes.
    const zone = dayOfZone(input.timeZone ?? 'UTC');
    const rows = input.records.map((record, i) => prepare(input, record, i, zone, input.schemaVersion ?? 1));
    const checkpointJson = canonicalJson(input.checkpoint);
    if (input.checkpointParts !== undefined) assertPartsKept(input.source, input.stream, input.checkpointParts);
    const partBytes = checkpointPartBytes(input.checkpointParts);
    try {
      return this.#enqueueTx.immediate(input, rows, checkpointJson, partBytes);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_FULL') throw error;
      throw new OutboxFullError(
        `The disk holding the outbox ${this.#db.name} is full (SQLite: ${(error as Error).message}). ` +
          `Capture of ${input.source}/${input.stream} is paused and its position kept; nothing was dropped.`,
        { hint: 'Free space on that disk; capture resumes by itself.', cause: error },
      );
    }
  }

  getCheckpoint(source: string, stream: string): JsonValue | undefined {
    const text = this.#getCheckpoint.get(source, stream);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  }

  getCheckpointPart(source: string, stream: string, id: string): StoredCheckpointPart | undefined {
    return this.#parts.get(source, stream, id);
  }

  /**
   * Forget where a source (or one stream) stands: its checkpoint with its parts, and its memory of each
   * key's newest version, so a resync re-sends everything and the cloud sorts out what it already holds.
   */
  deleteCheckpoint(source: string, stream?: string): void {
    this.#db.transaction(() => {
      if (stream === undefined) this.#db.prepare('DELETE FROM checkpoints WHERE source = ?').run(source);
      else this.#db.prepare('DELETE FROM checkpoints WHERE source = ? AND stream = ?').run(source, stream);
      this.#parts.deleteWithin(source, stream);
      this.#keys.forget(source, stream);
    })();
  }

  #write(
    input: EnqueueInput,
    rows: PreparedRecord[],
    checkpointJson: string,
    partBytes: number,
  ): { inserted: number; duplicates: number } {
    const newBytes = rows.reduce((sum, row) => sum + row.bytes, 0);
    const queued = this.#counters.get('queued_bytes');
    if (newBytes > 0 && queued + newBytes > this.#maxBytes) throw this.#capError(input, queued, newBytes);
    // Parts are not queued (no cap), but they take disk like records do: delivery's reserve stays free of them too.
    const writeBytes = newBytes + partBytes;
    const shortage = writeBytes > 0 ? spaceShortage(this.#db, writeBytes) : null;
    if (shortage !== null) throw this.#diskError(input, shortage);
    let inserted = 0;
    let insertedBytes = 0;
    const read = new DayTally();
    if (rows.length > 0) this.#insertStream.run(input.source, input.stream);
    const seqs = this.#seqClock.run();
    for (const [index, row] of rows.entries()) {
      const seq = seqs.peek();
      const mark = input.quarantine?.get(index);
      // A re-read without a change: the newest version of this key is already queued, delivered or quarantined.
      if (!this.#keys.rememberIfChanged(input.source, input.stream, row.keyJson, row.version, seq)) {
        // …unless it waits in quarantine only for its entry, and the entry, read again with another line changed, now passes.
        if (mark === undefined && row.group !== null && this.#admitPassedOnReread(input, row)) {
          read.addValues(input.source, input.stream, row.day, row.currency, row.amount);
          inserted += 1;
          insertedBytes += row.bytes;
        }
        continue;
      }
      seqs.take();
      if (mark !== undefined) {
        this.#quarantine.insertWithin(input, row, seq, mark);
        // Read, not sent: Completeness shows the gap until it is replayed.
        read.addValues(input.source, input.stream, row.day, row.currency, row.amount);
        continue;
      }
      this.#insertRow(input, row, seq, input.schemaVersion ?? 1);
      read.addValues(input.source, input.stream, row.day, row.currency, row.amount);
      inserted += 1;
      insertedBytes += row.bytes;
    }
    seqs.done();
    this.#counters.add(depthCounter(input.lane), inserted);
    this.#counters.add('queued_bytes', insertedBytes);
    this.#dayTotals.apply('read', read);
    this.#upsertCheckpoint.run(input.source, input.stream, checkpointJson);
    if (input.checkpointParts !== undefined) this.#parts.applyWithin(input.source, input.stream, input.checkpointParts);
    // A document page is one record; its capture time dates the summaries.
    const capturedMs = rows[0]?.capturedMs;
    if (input.shiftCloses !== undefined && capturedMs !== undefined) {
      this.#shifts.writeWithin(input.source, input.stream, input.shiftCloses, capturedMs, dayOfZone(input.timeZone ?? 'UTC'));
    }
    return { inserted, duplicates: rows.length - inserted };
  }

  /**
   * A quarantined record that passed on replay, queued with the seq it got at capture. False (nothing
   * written) when a newer change of its key was captured since: older content never goes over newer.
   * The caller (QuarantineStore.settleReplay) owns the transaction.
   */
  admitReplayed(entry: QuarantinedRecord, mapped: SourceRecord, schemaVersion: number): boolean {
    const input = { source: entry.source, stream: entry.stream, lane: entry.lane, records: [], checkpoint: null, timeZone: entry.timeZone, fileSha256: entry.fileSha256 };
    const row = prepare(input, mapped, 0, dayOfZone(entry.timeZone ?? 'UTC'), schemaVersion);
    const latest = this.#keys.latestSeq(entry.source, entry.stream, row.keyJson);
    if (latest !== undefined && latest > entry.seq) return false;
    this.#keys.remember(entry.source, entry.stream, row.keyJson, row.version, entry.seq);
    this.#insertStream.run(entry.source, entry.stream);
    this.#insertRow(input, row, entry.seq, schemaVersion);
    this.#counters.add(depthCounter(entry.lane), 1);
    this.#counters.add('queued_bytes', row.bytes);
    return true;
  }

  /** The quarantined, unchanged version of a grouped record passed this time: queued with its capture seq, the entry resolved. */
  #admitPassedOnReread(input: EnqueueInput, row: PreparedRecord): boolean {
    const seq = this.#keys.latestSeq(input.source, input.stream, row.keyJson);
    const id = seq === undefined ? undefined : this.#quarantine.openIdAt(input.source, input.stream, row.keyJson, seq);
    if (seq === undefined || id === undefined) return false;
    this.#insertRow(input, row, seq, input.schemaVersion ?? 1);
    this.#quarantine.resolvePassedOnReread(id);
    return true;
  }

  #insertRow(input: Pick<EnqueueInput, 'source' | 'stream' | 'lane' | 'fileSha256'>, row: PreparedRecord, seq: number, schemaVersion: number): void {
    this.#insertRecord.run(
      input.source, input.stream, input.lane, row.keyJson, row.op, row.version, row.dataJson, row.capturedAt, row.capturedMs,
      row.bytes, seq, row.group, row.day, row.currency, row.amount, schemaVersion, input.fileSha256 ?? null,
    );
    // Same transaction: a broker sink publishes exactly what was committed for the cloud.
    this.#sinks.addWithin(input.source, input.stream, row, seq);
  }

  #diskError(input: EnqueueInput, shortage: SpaceShortage): OutboxFullError {
    const what =
      shortage.kind === 'disk' ? `the disk holding the outbox ${this.#db.name}` : `the outbox ${this.#db.name}`;
    return new OutboxFullError(
      `The disk holding the outbox ${this.#db.name} is full: ${formatBytes(shortage.freeBytes)} free in ${what}, ` +
        `and the last part is kept for delivery so the queue can always drain. ` +
        `Capture of ${input.source}/${input.stream} is paused and its position kept; nothing was dropped.`,
      { hint: 'Free space on that disk; capture resumes by itself once delivery has made room.' },
    );
  }

  #capError(input: EnqueueInput, queued: number, newBytes: number): OutboxFullError {
    const where = `Capture of ${input.source}/${input.stream} is paused and its position kept; nothing was dropped.`;
    if (newBytes > this.#maxBytes) {
      return new OutboxFullError(
        `One read of ${input.source}/${input.stream} (${formatBytes(newBytes)}) is larger than the whole outbox cap ` +
          `(outbox.maxBytes = ${formatBytes(this.#maxBytes)}). ${where}`,
        { hint: "Raise outbox.maxBytes in the config, or lower the stream's pageRows." },
      );
    }
    return new OutboxFullError(
      `The outbox is full: ${formatBytes(queued)} of ${formatBytes(this.#maxBytes)} queued ` +
        `(${Math.round((queued / this.#maxBytes) * 100)}%), and ${formatBytes(newBytes)} more would not fit. ${where}`,
      {
        hint:
          'Check that the cloud is reachable so the queue drains, replay or discard dead letters, ' +
          'or raise outbox.maxBytes in the config.',
      },
    );
  }
}

function prepare(input: EnqueueInput, record: SourceRecord, index: number, zone: DayOfZone, schemaVersion: number): PreparedRecord {
  if (record.stream !== input.stream) {
    throw new Error(`Record ${index} of ${input.source}/${input.stream} says stream "${record.stream}"`);
  }
  const capturedMs = Date.parse(record.capturedAt);
  if (Number.isNaN(capturedMs)) {
    throw new Error(
      `Record ${index} of ${input.source}/${input.stream} has capturedAt "${record.capturedAt}", not RFC 3339`,
    );
  }
  const keyJson = canonicalJson(record.key);
  const dataJson = record.op === 'delete' || record.data === undefined ? null : canonicalJson(record.data);
  const tally = tallyOf(record.op === 'delete' ? undefined : record.data, capturedMs, zone);
  return {
    ...tally,
    keyJson,
    op: record.op,
    version: versionOfCanonical(keyJson, record.op, dataJson, schemaVersion),
    dataJson,
    capturedAt: record.capturedAt,
    capturedMs,
    bytes: Buffer.byteLength(keyJson, 'utf8') + (dataJson === null ? 0 : Buffer.byteLength(dataJson, 'utf8')),
    group: record.group ?? null,
  };
}
