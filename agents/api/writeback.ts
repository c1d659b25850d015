/**
 * Wire shapes of cloud-api.md § Write-back, shared by the agent and the sandbox so both read the
 * contract the same way.
 */
import { z } from 'zod';

const JsonObject = z.record(z.string(), z.unknown());

export const WritebackBaseSchema = z.object({
  stream: z.string().min(1),
  version: z.string().min(1),
  data: JsonObject,
});
export type WritebackBase = z.infer<typeof WritebackBaseSchema>;

export const WritebackItemSchema = z.object({
  id: z.string().min(1),
  seq: z.number().int().nonnegative(),
  entity: z.string().min(1),
  target: z.string().min(1),
  op: z.enum(['upsert', 'delete']),
  key: JsonObject,
  base: WritebackBaseSchema.nullable(),
  data: JsonObject,
  createdAt: z.string(),
  sig: z.string().optional(),
});
export type WritebackItem = z.infer<typeof WritebackItemSchema>;

export const WritebackListResponseSchema = z.object({
  items: z.array(WritebackItemSchema),
  cursor: z.string(),
});
export type WritebackListResponse = z.infer<typeof WritebackListResponseSchema>;

export const WRITEBACK_STATUSES = ['applied', 'pending', 'conflict', 'failed'] as const;
export type WritebackStatus = (typeof WRITEBACK_STATUSES)[number];

export const WritebackResultSchema = z.object({
  id: z.string().min(1),
  status: z.enum(WRITEBACK_STATUSES),
  version: z.string().optional(),
  current: JsonObject.optional(),
  resolution: z.string().optional(),
  message: z.string().optional(),
});
export type WritebackResult = z.infer<typeof WritebackResultSchema>;

export const WritebackResultAnswerSchema = z.object({ id: z.string(), status: z.enum(WRITEBACK_STATUSES) });
export type WritebackResultAnswer = z.infer<typeof WritebackResultAnswerSchema>;

/** Admin (tests only): create an item for an agent; the sandbox assigns id, seq, createdAt and sig. */
export const CreateWritebackRequestSchema = z.object({
  agentId: z.string().min(1),
  entity: z.string().min(1),
  target: z.string().min(1),
  op: z.enum(['upsert', 'delete']).default('upsert'),
  key: JsonObject,
  base: WritebackBaseSchema.nullable().default(null),
  data: JsonObject,
  /** A test may ask for an item signed wrongly, to check the agent refuses it. */
  signature: z.enum(['valid', 'invalid', 'missing']).default('valid'),
});
export type CreateWritebackRequest = z.input<typeof CreateWritebackRequestSchema>;
