/**
 * The source plugin contract (Benthos style). The engine drives it:
 *
 *   connect → loop { read → outbox.enqueue(records + checkpoint, one transaction) → ack } → close
 *
 * A source keeps its read position in memory and advances it only in `ack()`, which the engine calls
 * after the records and the new checkpoint committed together. After a crash the source starts from
 * the last committed checkpoint (`SourceContext.checkpoints`), so nothing is lost or skipped.
 */
import type { CheckpointParts, JsonValue, Lane, RecordKey, ShiftCloseSummary, SourceRecord } from '../api/index.ts';
import type { Clock } from './clock.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface ReadResult {
  /** All records of one read belong to one stream and one lane. */
  stream: string;
  lane: Lane;
  records: SourceRecord[];
  /** The stream's position after these records; committed with them. */
  checkpoint: JsonValue;
  /** Where the checkpoint is kept in parts (a snapshot manifest): the parts to store and to keep, in the same commit. */
  checkpointParts?: CheckpointParts;
  /** True when this read reached the end of what is there now (the engine then waits for the next tick). */
  caughtUp: boolean;
  /** Called once the records and checkpoint are durable: the source may move on. */
  ack(): void;
  /** The SHA-256 of the file these records were read from (a folder source), kept with each record. */
  fileSha256?: string;
  /** A shift close sent as a document: its summary for the Shifts screen, committed with it. */
  shiftCloses?: ShiftCloseSummary[];
}

export interface CheckResult {
  ok: boolean;
  /** Plain words: "Connected to PostgreSQL 15.19, 3 tables readable." or what is wrong and how to fix it. */
  message: string;
  code?: string;
}

export interface Source {
  readonly name: string;
  readonly type: string;
  /**
   * A connect or read that takes longer is stuck and a person is alerted (engine/read-watch.ts); the
   * engine's default applies when this is shorter or absent.
   */
  readonly readStallAlertMs?: number | undefined;
  connect(signal: AbortSignal): Promise<void>;
  /** Next page of changes, or `null` when nothing is new right now. */
  read(signal: AbortSignal): Promise<ReadResult | null>;
  /**
   * A source with changes that must not wait for its interval (an ODBC source's shift closes) is
   * asked every `idlePollMs` while the engine waits between reads; what it returns is committed like
   * a read. Both absent: the engine just waits.
   */
  readonly idlePollMs?: number | undefined;
  idlePoll?(signal: AbortSignal): Promise<ReadResult | null>;
  close(): Promise<void>;
  /** "Test connection": never throws for expected failures, explains them instead. */
  check?(signal: AbortSignal): Promise<CheckResult>;
}

/** Read-only view of committed checkpoints, handed to a source when it is built. */
export interface CheckpointReader {
  getCheckpoint(source: string, stream: string): JsonValue | undefined;
  /** A stored part of a stream's checkpoint (api/checkpoint-parts.ts); undefined when there is none by that id. */
  getCheckpointPart(source: string, stream: string, id: string): { text: string; data: Uint8Array } | undefined;
}

export interface SecretResolver {
  /** The secret's value, or a thrown AgentError explaining how to store it. */
  resolve(secretRef: string): Promise<string>;
}

/**
 * Where a source raises an alert a person must see (an unbalanced shift close, a missing Z report):
 * the outbox's alert table, shown by `status`, the tray and the dashboard. One alert per code.
 */
export interface AlertSink {
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
  /** A source clears what it raised once the cause is gone (the missing statement arrived). */
  clearAlert?(code: string): void;
  listAlerts?(): Array<{ code: string; since: string }>;
}

/**
 * The outbox's store of ingested files (sources that read files): the original kept until it is
 * uploaded, the fingerprint of every file ever imported, and where a record sent stands.
 */
export interface SourceFileStore {
  storeFile(file: { sha256: string; source: string; name: string; contentType: string; lane: Lane; path: string }): 'stored' | 'known';
  fileInfo(sha256: string): { name: string; source: string; importedAt: string | null; archivedAt: string | null } | undefined;
  markFileImported(sha256: string): void;
  /** The imported file has left the watched folder (finding the same content there again is then a duplicate). */
  markFileArchived(sha256: string): void;
  recordState(source: string, stream: string, key: RecordKey): { state: 'queued' } | { state: 'dead-letter'; reason: string } | { state: 'gone' };
  /** Folders with `hold`: a file waits until a person approves or rejects it (agents/outbox/file-decisions.ts). */
  holdFile(file: { sha256: string; source: string; name: string; path: string; bytes: number }): 'held' | 'approved' | 'rejected';
  holdState(sha256: string): 'held' | 'approved' | 'rejected' | undefined;
  forgetHold(sha256: string): void;
  /** An imported file a person voided: its records are to be deleted in the cloud. */
  nextFileVoid(source: string): { sha256: string; name: string; path: string } | undefined;
  fileVoidDone(sha256: string, records: number): void;
}

export interface SourceContext {
  checkpoints: CheckpointReader;
  secrets: SecretResolver;
  logger: Logger;
  clock: Clock;
  /** Absent in tools that only check or discover (no outbox): sources then log instead. */
  alerts?: AlertSink;
  /** File sources need it (the folder source refuses to start without it). */
  files?: SourceFileStore;
  /** A short line for the status, e.g. "Z-00412 uploaded." (the newest few are shown). */
  notice?(message: string): void;
  /** Adds to one of the source's own figures, shown in the status (RabbitMQ: redeliveries dropped, poison messages). */
  count?(counter: string, by: number): void;
  /** Something new is ready to read: read now rather than when the capture interval ends (a schedule or pause still applies). */
  wake?(): void;
}
