/**
 * What the control API and the dashboard show of write-back (docs/writeback.md): the items the cloud
 * sent and what became of them, the conflicts waiting for a person side by side per field, and the
 * decisions a person sends back (per-field resolution, confirmation of an unknown outcome).
 */
import { z } from 'zod';
import { WRITEBACK_STATUSES } from './writeback.ts';

/** The agent's own state of an item (agents/writeback/writeback-state.ts ItemState). */
export const WritebackItemStateSchema = z.enum(['received', 'intent', 'applied', 'skipped', 'failed', 'conflict-waiting', 'outcome-unknown']);
export type WritebackItemState = z.infer<typeof WritebackItemStateSchema>;

export const WritebackEntrySchema = z.object({
  id: z.string(),
  target: z.string(),
  key: z.record(z.string(), z.unknown()),
  seq: z.number().int(),
  state: WritebackItemStateSchema,
  /** The result reported (or to report) to the cloud, when one was decided. */
  status: z.enum(WRITEBACK_STATUSES).nullable(),
  resolution: z.string().nullable(),
  message: z.string().nullable(),
  reported: z.boolean(),
  /** When the cloud made the change, and when this agent received it. */
  createdAt: z.string(),
  receivedAt: z.string(),
  /** A person's decision stored and not applied yet (the agent applies it on its next pass). */
  decisionPending: z.enum(['resolve', 'confirm']).nullable(),
});
export type WritebackEntry = z.infer<typeof WritebackEntrySchema>;

export const WritebackListFilterSchema = z.strictObject({
  state: WritebackItemStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const ConflictFieldSchema = z.object({
  field: z.string(),
  base: z.string().nullable(),
  cloud: z.string().nullable(),
  premises: z.string().nullable(),
  /** Both sides moved it away from base, to different values. */
  conflicted: z.boolean(),
});
export type ConflictField = z.infer<typeof ConflictFieldSchema>;

export const WritebackConflictSchema = z.object({
  id: z.string(),
  target: z.string(),
  key: z.record(z.string(), z.unknown()),
  seq: z.number().int(),
  createdAt: z.string(),
  receivedAt: z.string(),
  fields: z.array(ConflictFieldSchema),
  decisionPending: z.boolean(),
});
export type WritebackConflict = z.infer<typeof WritebackConflictSchema>;

/** Per field: one side's value, or a value typed by the person (text, or null for empty). */
export const FieldChoiceSchema = z.union([z.enum(['cloud', 'premises', 'base']), z.strictObject({ value: z.string().max(10_000).nullable() })]);
export type FieldChoiceInput = z.infer<typeof FieldChoiceSchema>;

export const ResolveConflictRequestSchema = z.strictObject({ choice: z.record(z.string().min(1), FieldChoiceSchema) });
export const ConfirmOutcomeRequestSchema = z.strictObject({ applied: z.boolean() });

export const WritebackDecisionSchema = z.object({ id: z.string(), message: z.string() });
export type WritebackDecision = z.infer<typeof WritebackDecisionSchema>;
