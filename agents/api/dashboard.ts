/**
 * The dashboard's wire contract (issue 11): what the control API's /api/v1 routes answer, beside
 * AgentStatus. Pure zod, shared by the agent (which serves it), the renderer (which shows it) and
 * the OpenAPI document (generated from it). Money stays a decimal string; times carry an offset.
 */
import { z } from 'zod';
import { AlertChannelSchema } from './notify-config.ts';
import { SourceScheduleStatusSchema } from './schedule.ts';
import { AgentStatusSchema, ErrorInfoSchema, SourceStateSchema } from './status.ts';

const Rfc3339 = z.iso.datetime({ offset: true });

/** When a write-only secret was last set; its value never leaves the keychain. */
/** What a stored credential is for, so the dashboard can name it in words rather than by its keychain reference. */
export const CredentialUseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('source'), name: z.string() }),
  z.object({ kind: z.literal('alertEmail') }),
  z.object({ kind: z.literal('alertWebhook') }),
]);
export type CredentialUse = z.infer<typeof CredentialUseSchema>;

export const SecretAgeSchema = z.object({
  ref: z.string(),
  setAt: Rfc3339.nullable(),
  present: z.boolean(),
  /** Who uses it (absent from agents older than this field). */
  usedBy: z.array(CredentialUseSchema).optional(),
});
export type SecretAge = z.infer<typeof SecretAgeSchema>;

export const SourceSummarySchema = z.object({
  name: z.string(),
  type: z.enum(['odbc', 'folder', 'rabbitmq']),
  state: SourceStateSchema,
  paused: z.boolean(),
  lastSuccessAt: Rfc3339.nullable(),
  lastError: ErrorInfoSchema.nullable(),
  recordsCaptured: z.number().int().min(0),
  /** The source's configuration as written in the config file (secrets are only references). */
  config: z.record(z.string(), z.unknown()),
  password: SecretAgeSchema.nullable(),
  /** Read times and windows when the source has a schedule (as in `status`). */
  schedule: SourceScheduleStatusSchema.optional(),
});
export type SourceSummary = z.infer<typeof SourceSummarySchema>;

/** The outcome of "Test connection", in the words the source uses. */
export const ConnectionTestSchema = z.object({ ok: z.boolean(), code: z.string().optional(), message: z.string() });
export type ConnectionTest = z.infer<typeof ConnectionTestSchema>;

export const CatalogTableSchema = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.enum(['table', 'view']),
  readable: z.boolean(),
});
export type CatalogTable = z.infer<typeof CatalogTableSchema>;

export const CatalogColumnSchema = z.object({
  name: z.string(),
  type: z.string(),
  nullable: z.boolean(),
  primaryKey: z.number().int().nullable(),
});

export const TablePreviewSchema = z.object({
  table: z.string(),
  columns: z.array(CatalogColumnSchema),
  /** Every value as the agent would send it: exact text, timestamps with an offset. */
  rows: z.array(z.record(z.string(), z.unknown())),
  primaryKey: z.array(z.string()),
});
export type TablePreview = z.infer<typeof TablePreviewSchema>;

/** `held`: waiting in the folder for a person's approval; `voided`: imported, then its records deleted in the cloud. */
export const FileOutcomeSchema = z.enum(['imported', 'duplicate', 'rejected', 'held', 'voided']);
export type FileOutcome = z.infer<typeof FileOutcomeSchema>;

export const FileEntrySchema = z.object({
  source: z.string(),
  name: z.string(),
  outcome: FileOutcomeSchema,
  /** When the file was handled (its archive or quarantine time). */
  at: Rfc3339,
  bytes: z.number().int().min(0),
  /** Rejected and duplicate files: why, in one sentence. */
  reason: z.string().nullable(),
  /** The full explanation written beside the file. */
  detail: z.string().nullable(),
  /** Where the original is now. */
  path: z.string(),
  upload: z.enum(['pending', 'uploaded', 'failed', 'none']),
  /** The content's SHA-256 when the outbox knows the file (what approve, reject and void name). */
  sha256: z.string().nullable(),
  /** A voided file: whether its deletes are queued yet. */
  void: z.enum(['pending', 'done']).nullable(),
});
export type FileEntry = z.infer<typeof FileEntrySchema>;

export const StreamQueueSchema = z.object({
  source: z.string(),
  stream: z.string(),
  lane: z.enum(['urgent', 'bulk']),
  depth: z.number().int().min(0),
  oldestCapturedAt: Rfc3339.nullable(),
  oldestAgeSecs: z.number().min(0).nullable(),
});
export type StreamQueue = z.infer<typeof StreamQueueSchema>;

export const DeadLetterViewSchema = z.object({
  id: z.number().int(),
  source: z.string(),
  stream: z.string(),
  key: z.unknown(),
  reasonCode: z.string(),
  reasonMessage: z.string(),
  failedAt: Rfc3339,
  capturedAt: Rfc3339,
  attempts: z.number().int(),
});
export type DeadLetterView = z.infer<typeof DeadLetterViewSchema>;

export const QueueViewSchema = z.object({
  streams: z.array(StreamQueueSchema),
  deadLetters: z.array(DeadLetterViewSchema),
  deadLetterTotal: z.number().int().min(0),
});
export type QueueView = z.infer<typeof QueueViewSchema>;

export const ShiftSchema = z.object({
  source: z.string(),
  register: z.string(),
  /** `Z-412`, or `#17` (the shift's key) when the POS keeps no Z number. */
  zLabel: z.string(),
  businessDay: z.string(),
  closedAt: Rfc3339,
  currency: z.string(),
  /** The receipts' total (a database's shift), or the report's; null when the shift has no receipts query. */
  total: z.string().nullable(),
  /** counted − expected cash: positive over, negative short; null when the cash is not counted. */
  overShort: z.string().nullable(),
  /** False when any of the shift's checks failed (its alert says which); a report file: the cash balanced. */
  balanced: z.boolean(),
  /** The Z-report file it came from (a watched folder), or null. */
  file: z.string().nullable(),
  /** The document stream it was sent as (a database's shift close, e.g. `shift_close`), or null. */
  document: z.string().nullable(),
  upload: z.enum(['pending', 'uploaded', 'failed', 'none']),
});
export type Shift = z.infer<typeof ShiftSchema>;

export const ActivityKindSchema = z.enum(['source', 'file', 'queue', 'config', 'cloud', 'alert']);
export const ActivityEntrySchema = z.object({
  at: Rfc3339,
  kind: ActivityKindSchema,
  source: z.string().nullable(),
  message: z.string(),
});
export type ActivityEntry = z.infer<typeof ActivityEntrySchema>;

/** One point per minute: records delivered in that minute and the queue depth at its end. */
export const HistoryPointSchema = z.object({
  at: Rfc3339,
  delivered: z.number().int().min(0),
  depth: z.number().int().min(0),
});
export type HistoryPoint = z.infer<typeof HistoryPointSchema>;

/** Records and their money: `amount` is an exact decimal string, null when none of them carried money. */
export const CompletenessFigureSchema = z.object({ records: z.number().int(), amount: z.string().nullable() });
export type CompletenessFigure = z.infer<typeof CompletenessFigureSchema>;

/**
 * One business day of one stream (per currency): what was read, what still waits, what the cloud
 * took and what it refused. read = waiting + delivered + refused, for records and money alike.
 */
export const CompletenessRowSchema = z.object({
  /** YYYY-MM-DD: the record's own business day (shift, booking date) or the day it was read in the source's zone. */
  day: z.string(),
  source: z.string(),
  stream: z.string(),
  /** ISO 4217, or '' when the records name no currency. */
  currency: z.string(),
  read: CompletenessFigureSchema,
  waiting: CompletenessFigureSchema,
  delivered: CompletenessFigureSchema,
  refused: CompletenessFigureSchema,
});
export type CompletenessRow = z.infer<typeof CompletenessRowSchema>;

export const SettingsViewSchema = z.object({
  configFile: z.string(),
  agentName: z.string(),
  cloud: z.object({ url: z.string(), entity: z.string(), timeoutMs: z.number(), heartbeatIntervalSecs: z.number() }),
  enrollment: z.object({ enrolled: z.boolean(), agentId: z.string().nullable(), cloudUrl: z.string().nullable() }),
  logLevel: z.string(),
  secrets: z.array(SecretAgeSchema),
  /** Where alerts are sent when nobody watches (config notify); `POST /alerts/test` sends a test through each. */
  alertChannels: z.array(AlertChannelSchema),
  /** Previous versions of the config file, newest first. */
  history: z.array(z.object({ file: z.string(), savedAt: Rfc3339 })),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

export const DoctorCheckSchema = z.object({
  name: z.string(),
  status: z.enum(['ok', 'warn', 'fail']),
  message: z.string(),
});
export type DoctorCheck = z.infer<typeof DoctorCheckSchema>;

export const DiagnosticsViewSchema = z.object({
  checks: z.array(DoctorCheckSchema),
  logFile: z.string(),
  /** The newest log lines, secrets already redacted by the logger. */
  logTail: z.array(z.string()),
});
export type DiagnosticsView = z.infer<typeof DiagnosticsViewSchema>;

/** A live event on /api/v1/events: the new status, or which topic's data changed (refetch it). */
export const LiveEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: AgentStatusSchema }),
  z.object({
    type: z.literal('changed'),
    topic: z.enum(['sources', 'files', 'queue', 'settings', 'activity', 'alerts']),
  }),
]);
export type LiveEvent = z.infer<typeof LiveEventSchema>;
