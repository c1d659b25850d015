/**
 * The outbox: the agent's one durable store (DESIGN.md §4). Captured records wait here, with their
 * source's checkpoint committed in the same transaction, until the cloud has acknowledged them;
 * failures wait here as dead letters until a person decides; alerts and the agent's own state live
 * here too, so there is no second file with its own crash story.
 */
import { existsSync } from 'node:fs';
import type { ActivityEntry, Alert, JsonValue, Lane, RecordKey } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { AgentError } from '../pipeline/errors.ts';
import { ActivityStore, type ActivityFilter, type HistorySample } from './activity-store.ts';
import { AgentStateStore } from './agent-state.ts';
import { AuditLog, idsSubject } from './audit-log.ts';
import { SourceEntities } from './source-entities.ts';
import { KeyMemoryPurge, type KeyPurgeSlice } from './key-memory-purge.ts';
import { AlertStore, type AcknowledgeResult } from './alerts.ts';
import { BatchQueue, type NextBatchOptions } from './batches.ts';
import { commitWithoutWaitingForDisk } from './bookkeeping-commit.ts';
import { Counters, StreamCounters, type StreamDelivered } from './counters.ts';
import { DeadLetters } from './dead-letters.ts';
import { DayTotals, type DayTotal } from './day-totals.ts';
import { FileDecisions, type FileVoid, type HeldFile, type HoldState } from './file-decisions.ts';
import { FileStore, type FileToStore, type PendingFileUpload, type StoredFileInfo } from './file-store.ts';
import { KeyMemory } from './key-memory.ts';
import { SeqClock } from './seq-clock.ts';
import { OUTBOX_SCHEMA_VERSION } from './migrations.ts';
import { migrate, schemaVersion } from './migrate.ts';
import { openDatabase, openDatabaseReadonly, type SqliteDatabase } from './open-database.ts';
import { preparedOnce } from './prepared-once.ts';
import type {
  BatchSettlement,
  BatchVerdict,
  DeadLetter,
  OutboxBatch,
  OutboxOptions,
  OutboxStats,
} from './outbox-types.ts';
import { RecordWriter, type EnqueueInput } from './record-writer.ts';
import { OutboxIntegrity, damageAlert } from './background-check.ts';
import { FULL_CHECK_REQUIRED_KEY, NO_START_CHECK, type StartCheck } from './start-check.ts';
import { recordStateIn, type RecordState } from './record-state.ts';
import { QuarantineStore } from './quarantine-store.ts';
import { ShiftCloseStore, type StoredShiftClose } from './shift-closes.ts';
import { SinkQueueStore } from './sink-queue-store.ts';

export class Outbox {
  readonly recoveredFromCorruption: { movedTo: string } | null;
  /** The start check that ran, and the whole-file check after an unclean stop (background-check.ts). */
  readonly integrity: OutboxIntegrity;
  /** Security-relevant events, hash-chained and MAC-sealed (audit-log.ts). */
  readonly audit: AuditLog;
  /** The entity each source sends for, bound when it first reads (source-entities.ts). */
  readonly entities: SourceEntities;
  /** Records their stream's mapping or validation stopped, until replayed or discarded (quarantine-store.ts). */
  readonly quarantine: QuarantineStore;
  /** Records waiting for a broker sink's confirm (sink-queue-store.ts). */
  readonly sinks: SinkQueueStore;
  readonly #shifts: ShiftCloseStore;
  readonly #db: SqliteDatabase;
  readonly #readonly: boolean;
  readonly #maxBytes: number;
  readonly #counters: Counters;
  readonly #seqClock: SeqClock;
  readonly #streamCounters: StreamCounters;
  readonly #writer: RecordWriter;
  readonly #batches: BatchQueue;
  readonly #deadLetters: DeadLetters;
  readonly #alerts: AlertStore;
  readonly #state: AgentStateStore;
  readonly #files: FileStore;
  readonly #dayTotals: DayTotals;
  readonly #activity: ActivityStore;
  readonly #decisions: FileDecisions;
  readonly #now: () => number;

  private constructor(
    db: SqliteDatabase,
    settings: {
      clock: Clock;
      maxBytes: number;
      readonly: boolean;
      recoveredFromCorruption: { movedTo: string } | null;
      startCheck?: StartCheck;
    },
  ) {
    const nowIso = () => new Date(settings.clock.now()).toISOString();
    this.#db = db;
    this.#readonly = settings.readonly;
    this.#maxBytes = settings.maxBytes;
    this.recoveredFromCorruption = settings.recoveredFromCorruption;
    this.#counters = new Counters(db);
    this.#seqClock = new SeqClock(this.#counters, () => settings.clock.now());
    this.#streamCounters = new StreamCounters(db);
    const keys = new KeyMemory(db);
    this.#dayTotals = new DayTotals(db);
    this.quarantine = new QuarantineStore(db, keys, () => settings.clock.now(), (e, m, v) => this.#writer.admitReplayed(e, m, v));
    this.sinks = new SinkQueueStore(db, nowIso);
    this.#shifts = new ShiftCloseStore(db);
    this.#writer = new RecordWriter(db, this.#counters, this.#seqClock, keys, this.#dayTotals, settings.maxBytes, this.quarantine, this.sinks, this.#shifts);
    this.#deadLetters = new DeadLetters(db, this.#counters, this.#dayTotals, nowIso);
    this.#batches = new BatchQueue(db, this.#counters, this.#deadLetters, settings.clock, this.#seqClock, keys, this.#dayTotals, this.#streamCounters);
    this.#alerts = new AlertStore(db, nowIso);
    this.#state = new AgentStateStore(db);
    this.#files = new FileStore(db, nowIso);
    this.#activity = new ActivityStore(db);
    this.#decisions = new FileDecisions(db, nowIso);
    this.audit = new AuditLog(db, { nowIso, alerts: this.#alerts, state: this.#state });
    this.entities = new SourceEntities(db, nowIso);
    this.#now = () => settings.clock.now();
    this.integrity = new OutboxIntegrity(db.name, settings.startCheck ?? NO_START_CHECK, (problem) => {
      this.#alerts.raise(damageAlert(db.name, problem));
      this.#state.set(FULL_CHECK_REQUIRED_KEY, nowIso());
    });
  }

  /** Opens (creating if needed), checks, migrates. A corrupt file is moved aside and a critical alert raised. */
  static open(options: OutboxOptions): Outbox {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) {
      throw new AgentError('config_invalid', `outbox.maxBytes must be a positive whole number of bytes; got ${options.maxBytes}`);
    }
    const { path, synchronous, maxPageCount, busyTimeoutMs, startCheck } = options;
    const opened = openDatabase({ path, synchronous, now: () => options.clock.now(), maxPageCount, busyTimeoutMs, startCheck });
    let outbox: Outbox;
    try {
      migrate(opened.db);
      const recovered = opened.recoveredFromCorruption;
      outbox = new Outbox(opened.db, {
        clock: options.clock,
        maxBytes: options.maxBytes,
        readonly: false,
        recoveredFromCorruption: recovered === null ? null : { movedTo: recovered.movedTo },
        startCheck: opened.check,
      });
      // Stored so `status` without a running agent can show the cap.
      outbox.#counters.set('max_bytes', options.maxBytes);
      if (recovered !== null) {
        outbox.raiseAlert({
          code: 'outbox_corrupt',
          severity: 'critical',
          message:
            `The outbox file was damaged and has been moved aside to ${recovered.movedTo}; a new, empty outbox was started. ` +
            'Sources will re-read from the start, and the cloud’s content-version dedupe prevents duplicates. ' +
            `Keep the moved file for support. (SQLite reported: ${recovered.problem.slice(0, 200)})`,
        });
      }
    } catch (error) {
      opened.db.close();
      throw error;
    }
    return outbox;
  }

  /** For `status` when no agent runs: no migrations, no writes. */
  static openReadonly(path: string, clock: Clock): Outbox {
    if (!existsSync(path)) {
      throw new AgentError('outbox_missing', `There is no outbox at ${path}.`, {
        hint: 'Check agent.dataDir in the config; the outbox is created the first time the agent runs.',
      });
    }
    const db = openDatabaseReadonly(path);
    try {
      const version = schemaVersion(db);
      if (version !== OUTBOX_SCHEMA_VERSION) {
        throw new AgentError(
          'outbox_schema_mismatch',
          `The outbox ${path} has schema version ${version}; this agent reads version ${OUTBOX_SCHEMA_VERSION}.`,
          {
            hint:
              version < OUTBOX_SCHEMA_VERSION
                ? 'Start the agent once so it upgrades the outbox, then ask again.'
                : 'This outbox was written by a newer agent: use that version.',
          },
        );
      }
      const maxBytes = new Counters(db).get('max_bytes');
      return new Outbox(db, { clock, maxBytes, readonly: true, recoveredFromCorruption: null });
    } catch (error) {
      db.close();
      throw error;
    }
  }

  enqueue(input: EnqueueInput): { inserted: number; duplicates: number } {
    this.#assertWritable('enqueue');
    return this.#writer.enqueue(input);
  }

  getCheckpoint(source: string, stream: string): JsonValue | undefined {
    return this.#writer.getCheckpoint(source, stream);
  }

  /** A stored part of a stream's checkpoint (api/checkpoint-parts.ts); undefined when there is none by that id. */
  getCheckpointPart(source: string, stream: string, id: string): { text: string; data: Uint8Array } | undefined {
    return this.#writer.getCheckpointPart(source, stream, id);
  }

  /** Forgets a source's (or one stream's) checkpoint, its parts and its keys' newest versions: the next read re-sends all. */
  deleteCheckpoint(source: string, stream?: string): void {
    this.#assertWritable('deleteCheckpoint');
    this.#writer.deleteCheckpoint(source, stream);
  }

  /** Whether `bytes` more (default: any at all) would fit under the cap. */
  hasRoomFor(bytes = 1): boolean {
    return this.#counters.get('queued_bytes') + bytes <= this.#maxBytes;
  }

  nextBatch(opts: NextBatchOptions): OutboxBatch | null {
    this.#assertWritable('nextBatch');
    return this.integrity.distrusted ? null : this.#batches.next(opts);
  }

  completeBatch(batchId: string, verdict: BatchVerdict): BatchSettlement {
    this.#assertWritable('completeBatch');
    return commitWithoutWaitingForDisk(this.#db, () => this.#batches.complete(batchId, verdict));
  }

  /**
   * The cloud's floors (per entity, the highest seq it holds), from enrollment, tokens and
   * heartbeats: the clock never numbers a change at or below the highest of them.
   */
  raiseSeqFloors(floors: Readonly<Record<string, number>>): void {
    this.#assertWritable('raiseSeqFloors');
    const highest = Math.max(0, ...Object.values(floors));
    this.#db.transaction(() => this.#seqClock.raiseFloor(highest)).immediate();
  }

  /** The change clock's state: its last seq and the highest floor the cloud gave. */
  seqClockState(): { last: number; floor: number } {
    return { last: this.#seqClock.last, floor: this.#seqClock.floor };
  }

  /** Records delivered per stream since this outbox was created. */
  deliveredByStream(): StreamDelivered[] {
    return this.#streamCounters.listDelivered();
  }

  /**
   * Completeness per business day, source, stream and currency: records and exact money read,
   * delivered and refused. Newest day first; `from`/`to` inclusive (YYYY-MM-DD).
   */
  dayTotals(range: { from?: string | undefined; to?: string | undefined } = {}): DayTotal[] {
    return this.#dayTotals.list(range);
  }

  /** Shift closes database sources sent as documents, the newest first, with where each stands (shift-closes.ts). */
  shiftCloses(options: { source?: string | undefined; limit: number }): StoredShiftClose[] {
    return this.#shifts.list(options);
  }

  /** Batches held back by one of these failures are due now: delivery restarted with new settings. */
  makeDueAgain(errorCodes: readonly string[]): number {
    this.#assertWritable('makeDueAgain');
    return this.#batches.dueAgain(errorCodes);
  }

  retryBatch(batchId: string, retry: { nextAttemptAt: number; error: { code: string; message: string } }): void {
    this.#assertWritable('retryBatch');
    this.#batches.retry(batchId, retry);
  }

  splitBatch(batchId: string): void {
    this.#assertWritable('splitBatch');
    this.#batches.split(batchId);
  }

  deadLetterBatch(batchId: string, error: { code: string; message: string }): void {
    this.#assertWritable('deadLetterBatch');
    this.#batches.deadLetter(batchId, error);
  }

  /** Forget what is in flight (the sender stopped); those batches are handed out again when due. */
  releaseInFlight(): void {
    this.#batches.releaseInFlight();
  }

  listDeadLetters(opts?: { limit?: number; offset?: number }): DeadLetter[] {
    return this.#deadLetters.list(opts);
  }

  replayDeadLetters(ids: number[] | 'all'): number {
    this.#assertWritable('replayDeadLetters');
    const count = this.#deadLetters.replay(ids);
    if (count > 0) this.audit.record({ event: 'dead-letters-replayed', subject: idsSubject(ids), details: { count } });
    return count;
  }

  discardDeadLetters(ids: number[] | 'all'): number {
    this.#assertWritable('discardDeadLetters');
    const count = this.#deadLetters.discard(ids);
    if (count > 0) this.audit.record({ event: 'dead-letters-discarded', subject: idsSubject(ids), details: { count } });
    return count;
  }

  stats(): OutboxStats {
    const urgentDepth = this.#counters.get('depth_urgent');
    const oldestMs = preparedOnce<[], number>(this.#db, 'SELECT captured_ms FROM records ORDER BY captured_ms LIMIT 1', 'pluck').get();
    return {
      depth: urgentDepth + this.#counters.get('depth_bulk'),
      urgentDepth,
      bytes: this.#counters.get('queued_bytes'),
      maxBytes: this.#maxBytes,
      oldestCapturedAt: oldestMs === undefined ? null : new Date(oldestMs).toISOString(),
      deadLetters: this.#counters.get('dead_letters'),
      delivered: this.#counters.get('delivered'),
      nextAttemptAt: this.#batches.nextAttemptAt(),
    };
  }

  getState(key: string): string | undefined {
    return this.#state.get(key);
  }

  setState(key: string, value: string): void {
    this.#assertWritable('setState');
    this.#state.set(key, value);
  }

  deleteState(key: string): void {
    this.#assertWritable('deleteState');
    this.#state.delete(key);
  }

  /** Idempotent per code; keeps the first `since`. */
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void {
    this.#assertWritable('raiseAlert');
    this.#alerts.raise(alert);
  }

  clearAlert(code: string): void {
    this.#assertWritable('clearAlert');
    this.#alerts.clear(code);
  }

  listAlerts(): Alert[] {
    return this.#alerts.list();
  }

  /** Acknowledges events (never conditions) by code, or every event with 'all'. */
  acknowledgeAlerts(codes: readonly string[] | 'all'): AcknowledgeResult {
    this.#assertWritable('acknowledgeAlerts');
    return this.#alerts.acknowledge(codes);
  }

  /** Appends to the activity list (bounded: the newest entries of the last 90 days). */
  addActivity(entry: ActivityEntry): void {
    this.#assertWritable('addActivity');
    this.#activity.add(entry);
  }

  hasActivity(entry: Pick<ActivityEntry, 'kind' | 'at' | 'message'>): boolean {
    return this.#activity.has(entry);
  }

  /** Newest first, filtered by kind, source and words in the message. */
  listActivity(filter: ActivityFilter): ActivityEntry[] {
    return this.#activity.list(filter);
  }

  /** One sample of the Overview's charts (kept a little over 24 hours). */
  addHistorySample(sample: HistorySample): void {
    this.#assertWritable('addHistorySample');
    this.#activity.addSample(sample);
  }

  historySamples(sinceMs: number): HistorySample[] {
    return this.#activity.samples(sinceMs);
  }

  /** Puts a file of a held folder on hold until a person decides; returns its state (a known file keeps its own). */
  holdFile(file: { sha256: string; source: string; name: string; path: string; bytes: number }): HoldState {
    this.#assertWritable('holdFile');
    return this.#decisions.hold(file);
  }

  holdState(sha256: string): HoldState | undefined {
    return this.#decisions.holdState(sha256);
  }

  /** A person approved or rejected a held file; false when no such file waits. */
  decideHeldFile(source: string, sha256: string, decision: 'approved' | 'rejected'): boolean {
    this.#assertWritable('decideHeldFile');
    return this.#decisions.decide(source, sha256, decision);
  }

  forgetHold(sha256: string): void {
    this.#assertWritable('forgetHold');
    this.#decisions.forgetHold(sha256);
  }

  listHeldFiles(source?: string): HeldFile[] {
    return this.#decisions.listHeld(source);
  }

  /** Asks the folder source to delete an imported file's records in the cloud; false if asked before. */
  requestFileVoid(file: { sha256: string; source: string; name: string; path: string }): boolean {
    this.#assertWritable('requestFileVoid');
    return this.#decisions.requestVoid(file);
  }

  nextFileVoid(source: string): FileVoid | undefined {
    return this.#decisions.nextVoid(source);
  }

  fileVoidDone(sha256: string, records: number): void {
    this.#assertWritable('fileVoidDone');
    this.#decisions.voidDone(sha256, records);
  }

  listFileVoids(source?: string): FileVoid[] {
    return this.#decisions.listVoids(source);
  }

  /** Keeps an ingested file's original until it is uploaded (file-store.ts); `known` if the content is already there. */
  storeFile(file: FileToStore): 'stored' | 'known' {
    this.#assertWritable('storeFile');
    return this.#files.store(file);
  }

  /** What the outbox knows about a file by content: its fingerprint, import and upload state. */
  fileInfo(sha256: string): StoredFileInfo | undefined {
    return this.#files.get(sha256);
  }

  markFileImported(sha256: string): void {
    this.#assertWritable('markFileImported');
    this.#files.markImported(sha256);
  }

  markFileArchived(sha256: string): void {
    this.#assertWritable('markFileArchived');
    this.#files.markArchived(sha256);
  }

  nextFileUpload(lane: Lane): PendingFileUpload | undefined {
    return this.integrity.distrusted ? undefined : this.#files.nextUpload(lane, this.#now());
  }

  nextFileAttemptAt(): number | null {
    return this.#files.nextAttemptAt();
  }

  fileContent(sha256: string): Buffer {
    return this.#files.content(sha256);
  }

  fileChunks(sha256: string): Iterable<Buffer> {
    return this.#files.chunks(sha256);
  }

  fileUploaded(sha256: string): void {
    this.#assertWritable('fileUploaded');
    this.#files.uploaded(sha256);
  }

  fileUploadFailed(
    sha256: string,
    failure: { nextAttemptAt: number; error: { code: string; message: string }; permanent: boolean },
  ): void {
    this.#assertWritable('fileUploadFailed');
    this.#files.uploadFailed(sha256, failure);
  }

  /** Where a record of this key stands (see record-state.ts). */
  recordState(source: string, stream: string, key: RecordKey): RecordState {
    return recordStateIn(this.#db, source, stream, key);
  }

  /** Forgets, among the next `limit` remembered keys, those unchanged since `olderThanMs` with nothing queued. */
  purgeKeyMemory(olderThanMs: number, limit: number): KeyPurgeSlice {
    this.#assertWritable('purgeKeyMemory');
    return new KeyMemoryPurge(this.#db).purgeSlice(olderThanMs, limit);
  }

  /** `PRAGMA integrity_check`: 'ok' when the file is sound, otherwise SQLite's findings, one per line. */
  integrityCheck(): string {
    const rows = this.#db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).join('\n');
  }

  close(): void {
    this.integrity.stop();
    if (this.#db.open) this.#db.close();
  }

  #assertWritable(operation: string): void {
    if (this.#readonly) {
      throw new AgentError(
        'outbox_readonly',
        `The outbox was opened read-only (for status); ${operation} needs the running agent.`,
      );
    }
  }
}
