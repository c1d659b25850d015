import { z } from 'zod';
import type { JsonObject } from './json.ts';

/** Delivery lanes. `urgent` (shift-close and the like) is never queued behind `bulk` (DESIGN.md §4.5). */
export const LaneSchema = z.enum(['urgent', 'bulk']);
export type Lane = z.infer<typeof LaneSchema>;
export const LANES_BY_PRIORITY: readonly Lane[] = ['urgent', 'bulk'];

export type RecordOp = 'upsert' | 'delete';

/** Primary key of a record: column name → exact text value. */
export type RecordKey = Record<string, string>;

/** What a source emits: one change to one row/document of one stream. */
export interface SourceRecord {
  stream: string;
  key: RecordKey;
  op: RecordOp;
  /** Row content for upserts; absent for deletes. Exact numbers as strings. */
  data?: JsonObject;
  /** When the agent captured the change, RFC 3339 with offset. Not part of the version. */
  capturedAt: string;
  /**
   * Records that belong together (the lines of one journal entry, one shift-close document) share a
   * group: they are never split across batches and the cloud applies or rejects them together.
   */
  group?: string;
}

/** A record with its content version (`sha256:<hex>` of canonical `{key, op, data}`). */
export interface VersionedRecord extends SourceRecord {
  version: string;
  /** The change's sequence number for its key, fixed when it was captured (cloud-api.md § Batches). */
  seq: number;
}
