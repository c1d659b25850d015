/**
 * What the sandbox's admin surface shows of the data it holds (`/admin/history`, `/admin/latest`,
 * `/admin/records`, counts per stream), declared once: the routes answer with these shapes and
 * SandboxAdmin parses them.
 */
import { z } from 'zod';

export const HistoryFilterSchema = z.object({
  entity: z.string().optional(),
  source: z.string().optional(),
  stream: z.string().optional(),
  /** One key (any field order); in the query string as JSON: `key={"receipt_id":"7"}`. */
  key: z.record(z.string(), z.string()).optional(),
});
export type HistoryFilter = z.infer<typeof HistoryFilterSchema>;
/** Kept for callers of the first admin API: records() takes the same filter. */
export type RecordFilter = HistoryFilter;

/** A record the cloud holds, as received. */
export const StoredRecordSchema = z.object({
  /** Arrival order in the sandbox (a row number, not part of the contract). */
  id: z.number().int(),
  batchId: z.string(),
  agentId: z.string(),
  entity: z.string(),
  source: z.string(),
  stream: z.string(),
  key: z.record(z.string(), z.string()),
  /** The agent's seq for this change. */
  seq: z.number().int(),
  version: z.string(),
  op: z.enum(['upsert', 'delete']),
  capturedAt: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  group: z.string().optional(),
  receivedAt: z.string(),
});
export type StoredRecord = z.infer<typeof StoredRecordSchema>;

/**
 * One entry of a key's history: `accepted` (became the latest), `stale` (a seq below the latest,
 * kept), `unchanged` (the latest's version again: the latest's seq moved up to it). Duplicates (a
 * seq already held) and rejected records are not entries.
 */
export const HistoryEntrySchema = StoredRecordSchema.extend({
  outcome: z.enum(['accepted', 'stale', 'unchanged']),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** A key's latest: the content of the record that made it latest, at the seq the key stands at now. */
export const LatestEntrySchema = StoredRecordSchema;
export type LatestEntry = z.infer<typeof LatestEntrySchema>;

export const StreamCountSchema = z.object({
  entity: z.string(),
  source: z.string(),
  stream: z.string(),
  /** Records accepted as their key's latest (the first admin API's name for it). */
  records: z.number().int(),
  accepted: z.number().int(),
  /** Duplicates as the batch answers count them: seqs already held, and `unchanged` records. */
  duplicates: z.number().int(),
  unchanged: z.number().int(),
  stale: z.number().int(),
  rejected: z.number().int(),
  /** Distinct keys with a latest record. */
  keys: z.number().int(),
});
export type StreamCount = z.infer<typeof StreamCountSchema>;

export const SeqFloorsResponseSchema = z.object({ seqFloors: z.record(z.string(), z.number().int()) });

export const SourceOwnerSchema = z.object({
  entity: z.string(),
  source: z.string(),
  agentId: z.string(),
  since: z.string(),
});
export type SourceOwner = z.infer<typeof SourceOwnerSchema>;

export const HandoverRequestSchema = z.object({
  entity: z.string().min(1),
  source: z.string().min(1),
  /** The agent that owns the source from now on; null frees it (the next sender takes it). */
  agentId: z.string().min(1).nullable(),
});
export type HandoverRequest = z.infer<typeof HandoverRequestSchema>;

export const StoredAckSchema = z.object({
  agentId: z.string(),
  commandId: z.string(),
  ok: z.boolean(),
  /** The ack as the agent sent it. */
  ack: z.record(z.string(), z.unknown()),
  channel: z.enum(['heartbeat', 'tunnel']),
  receivedAt: z.string(),
});
export type StoredAck = z.infer<typeof StoredAckSchema>;

export const StoredCommandSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  name: z.string(),
  args: z.record(z.string(), z.unknown()),
  signature: z.enum(['valid', 'missing', 'invalid']),
  queuedAt: z.string(),
  /** When the heartbeat handed it over. */
  deliveredAt: z.string().nullable(),
  /** When it last went down the WebSocket tunnel. */
  tunnelDeliveredAt: z.string().nullable(),
  /** Queued to go on both channels (an at-most-once test). */
  bothChannels: z.boolean(),
});
export type StoredCommand = z.infer<typeof StoredCommandSchema>;

export const CloudKeyResponseSchema = z.object({
  /** base64 DER SubjectPublicKeyInfo, as enrollment hands it out. */
  cloudKey: z.string(),
  /** `sha256:<hex>` of the DER bytes: what an installer pins. */
  fingerprint: z.string(),
});
