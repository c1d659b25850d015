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
