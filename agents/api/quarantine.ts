/**
 * Quarantine (issue 13 item 5): records that failed their stream's mapping or validation stop before
 * the outbox, with the reasons and the `seq` they got at capture, until a person fixes and replays or
 * discards them. These are the shapes the CLI, the control API and the dashboard share.
 */
import { z } from 'zod';

const Rfc3339 = z.iso.datetime({ offset: true });
const JsonValueSchema = z.json();

/**
 * One reason a record was stopped. `reject`: the data is wrong (fix it or the mapping, then replay);
 * `hold`: a person must decide (a closed accounting period, a reference list never fetched); `warn`
 * never stops a record (a duplicate business key) and appears only in previews and the activity.
 */
export const QuarantineReasonSchema = z.object({
  code: z.string(),
  /** The field path in the mapped record (`lines[2].amount`), or "" for the record as a whole. */
  path: z.string(),
  value: JsonValueSchema.optional(),
  message: z.string(),
  severity: z.enum(['reject', 'hold', 'warn']),
});
export type QuarantineReason = z.infer<typeof QuarantineReasonSchema>;

/** Where the record failed: its mapping (an expression, a limit, a type) or its validation rules. */
export const QuarantineStageSchema = z.enum(['mapping', 'validation']);
export type QuarantineStage = z.infer<typeof QuarantineStageSchema>;

/**
 * `quarantined`: wrong data waiting for a fix; `held`: waiting for a person's decision; `superseded`:
 * a newer change of the same key was captured since, so replaying this one would send older content
 * over newer (it is never sent); `replayed` and `discarded` are final.
 */
export const QuarantineStatusSchema = z.enum(['quarantined', 'held', 'superseded', 'replayed', 'discarded']);
export type QuarantineStatus = z.infer<typeof QuarantineStatusSchema>;

export const QuarantineEntrySchema = z.object({
  id: z.number().int(),
  source: z.string(),
  stream: z.string(),
  key: z.record(z.string(), z.string()),
  op: z.enum(['upsert', 'delete']),
  group: z.string().optional(),
  /** The change's sequence number, assigned at capture; a replay sends it with this seq. */
  seq: z.number().int(),
  capturedAt: Rfc3339,
  /** The record as the source read it (after a person's edit, if any). */
  data: z.record(z.string(), JsonValueSchema).optional(),
  /** As first read, when a person has edited `data`. */
  originalData: z.record(z.string(), JsonValueSchema).optional(),
  stage: QuarantineStageSchema,
  reasons: z.array(QuarantineReasonSchema),
  status: QuarantineStatusSchema,
  quarantinedAt: Rfc3339,
  resolvedAt: Rfc3339.optional(),
  resolvedBy: z.string().optional(),
});
export type QuarantineEntry = z.infer<typeof QuarantineEntrySchema>;

export const QuarantineFilterSchema = z.object({
  source: z.string().min(1).optional(),
  stream: z.string().min(1).optional(),
  /** Default: the ones waiting for a person (quarantined, held, superseded). */
  status: z.enum(['waiting', 'quarantined', 'held', 'superseded', 'replayed', 'discarded', 'all']).default('waiting'),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});
export type QuarantineFilter = z.input<typeof QuarantineFilterSchema>;

/** Per stream: how many wait, and whether a quarantine spike paused its source. */
export const QuarantineStreamSummarySchema = z.object({
  source: z.string(),
  stream: z.string(),
  quarantined: z.number().int(),
  held: z.number().int(),
  /** Set while the stream's source is paused by a quarantine spike (the alert says why). */
  spikePaused: z.boolean(),
});
export type QuarantineStreamSummary = z.infer<typeof QuarantineStreamSummarySchema>;

/** What a replay did, record by record in sum. */
export const ReplayResultSchema = z.object({
  /** Passed mapping and validation and were queued with their original seq. */
  replayed: z.number().int(),
  /** Not sent: a newer change of the same key was captured since. */
  superseded: z.number().int(),
  /** Failed again; their reasons are updated. */
  stillFailing: z.number().int(),
  /** Replays of the listed ids the agent could not find or that were already final. */
  skipped: z.number().int(),
});
export type ReplayResult = z.infer<typeof ReplayResultSchema>;
