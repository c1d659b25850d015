/**
 * What each mode (cursor, append, snapshot) implements for the source: one bounded batch at a time,
 * and the state after it, applied only once the batch is durable. A reader's state never moves
 * backwards and never moves past what the outbox holds.
 */
import type { CheckpointParts, JsonValue, SourceRecord } from '../../api/index.ts';
import type { Dialect, RowHashSql } from './dialects/index.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import type { StreamPlan } from './stream-plan.ts';

export interface ReadContext {
  connection: OdbcConnection;
  dialect: Dialect;
  /** The row hash this server computes (snapshot mode); undefined: the agent hashes rows itself. */
  rowHash: RowHashSql | undefined;
  timeZone: string;
  /** RFC 3339 capture time for the records of this read. */
  capturedAt: string;
  /** Milliseconds, for timing queries (the injected clock). */
  now(): number;
  signal: AbortSignal;
}

export interface StreamBatch {
  records: SourceRecord[];
  /** The stream's state after this batch, committed with its records. */
  checkpoint: JsonValue;
  /** The checkpoint's parts to store and keep in the same commit (snapshot mode's manifest). */
  checkpointParts?: CheckpointParts;
  /** Nothing more to read in this round. */
  done: boolean;
  /**
   * False when the batch has no records and the state it reached need not survive a restart (a
   * restart would simply redo the reading); such a batch is applied without a commit.
   */
  mustCommit: boolean;
  /** Makes the batch's state the stream's state: called after the commit (or at once, see mustCommit). */
  apply(): void;
}

export interface StreamReader {
  readonly plan: StreamPlan;
  /** A new round begins: the next read starts over where a round starts (window, table start). */
  startRound(): void;
  read(context: ReadContext): Promise<StreamBatch>;
  /** The table gained columns: read them from now on. */
  replan(plan: StreamPlan): void;
}
