/** The shapes the outbox hands out and takes in. */
import type { JsonObject, Lane, RecordKey, RecordOp, VersionedRecord } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';

export interface OutboxOptions {
  path: string;
  /** Cap on queued bytes (pending records and dead letters, UTF-8 of key + data JSON). */
  maxBytes: number;
  synchronous: 'FULL' | 'NORMAL';
  clock: Clock;
  /** Tests: cap the file's page count to provoke SQLITE_FULL. */
  maxPageCount?: number;
  busyTimeoutMs?: number;
  /** `by-last-stop` (the running agent): see start-check.ts. Default `full`. */
  startCheck?: 'full' | 'by-last-stop';
}

export interface OutboxRecord extends VersionedRecord {
  id: number;
  source: string;
  lane: Lane;
  attempts: number;
}

export interface OutboxBatch {
  batchId: string;
  source: string;
  stream: string;
  lane: Lane;
  createdAt: string;
  /** The stream's schema version when these records were queued (one per batch). */
  schemaVersion: number;
  attempts: number;
  records: OutboxRecord[];
}

export interface DeadLetter {
  id: number;
  source: string;
  stream: string;
  key: RecordKey;
  op: RecordOp;
  version: string;
  seq: number;
  group?: string;
  data?: JsonObject;
  capturedAt: string;
  lane: Lane;
  reasonCode: string;
  reasonMessage: string;
  failedAt: string;
  attempts: number;
}

export interface OutboxStats {
  depth: number;
  urgentDepth: number;
  bytes: number;
  maxBytes: number;
  oldestCapturedAt: string | null;
  deadLetters: number;
  delivered: number;
  /** Earliest next attempt (epoch ms) of the formed batches not in flight; null when there are none. */
  nextAttemptAt: number | null;
}

export interface RecordError {
  code: string;
  message: string;
}

/** What the cloud said about a delivered batch, as far as the outbox must act on it. */
export interface BatchVerdict {
  rejected: ReadonlyArray<{ index: number; code: string; message: string }>;
  staleIndexes: readonly number[];
}

/** What completing a batch did with its records. */
export interface BatchSettlement {
  /** Accepted, duplicates, and stale records that a later change had already superseded. */
  delivered: number;
  deadLettered: number;
  /** Still their key's newest change: given a new seq and queued again (stale, seq_conflict, seq_in_future). */
  renumbered: number;
  /** Refused for their seq while a later change of the key was captured: nothing to send. */
  superseded: number;
}
