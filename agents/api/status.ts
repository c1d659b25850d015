/**
 * What the agent says about itself: served by the control API (`GET /api/v1/status`), printed by
 * `tya-agent status`, summarised in the heartbeat. Plain words for people live in `message` fields.
 */
import { z } from 'zod';
import { SourceScheduleStatusSchema } from './schedule.ts';

const Rfc3339 = z.iso.datetime({ offset: true });

export const ErrorInfoSchema = z.object({ code: z.string(), message: z.string(), at: Rfc3339 });
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

/**
 * `event`: something happened (a short shift, a rejected file); it stays until a person
 * acknowledges it. `condition`: something holds (revoked, delivery halted, not enrolled, queue
 * full); it cannot be acknowledged and lasts as long as its cause.
 */
export const AlertKindSchema = z.enum(['event', 'condition']);
export type AlertKind = z.infer<typeof AlertKindSchema>;

export const AlertSchema = z.object({
  code: z.string(),
  severity: z.enum(['warning', 'critical']),
  message: z.string(),
  since: Rfc3339,
  /** Absent from agents older than this field: treat as a condition. */
  kind: AlertKindSchema.optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const SourceStateSchema = z.enum(['starting', 'ok', 'error', 'paused', 'stopped']);
export type SourceState = z.infer<typeof SourceStateSchema>;

export const SourceStatusSchema = z.object({
  name: z.string(),
  type: z.string(),
  state: SourceStateSchema,
  lastSuccessAt: Rfc3339.nullable(),
  lastError: ErrorInfoSchema.nullable(),
  recordsCaptured: z.number().int().min(0),
  /** Figures a source keeps beside recordsCaptured (RabbitMQ: redeliveriesDropped, poisoned). */
  counters: z.record(z.string(), z.number().int().min(0)).optional(),
  /** The newest few things the source did that a person cares about ("Z-00412 uploaded."), newest first. */
  notices: z.array(z.object({ message: z.string(), at: Rfc3339 })).optional(),
  /** Present when the source has a schedule: its next read, windows and missed runs. */
  schedule: SourceScheduleStatusSchema.optional(),
});
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

export const QueueStatusSchema = z.object({
  depth: z.number().int().min(0),
  urgentDepth: z.number().int().min(0),
  bytes: z.number().int().min(0),
  maxBytes: z.number().int().min(0),
  oldestCapturedAt: Rfc3339.nullable(),
  oldestAgeSecs: z.number().min(0).nullable(),
  deadLetters: z.number().int().min(0),
  delivered: z.number().int().min(0),
  capturePaused: z.boolean(),
  /** Delivered records per stream, as the cloud counts them (accepted + duplicates + stale); kept across restarts. */
  streams: z.array(z.object({ source: z.string(), stream: z.string(), delivered: z.number().int().min(0) })).optional(),
});
export type QueueStatus = z.infer<typeof QueueStatusSchema>;

/** The cloud credentials' age and rotation (issue 12): times only, never a secret. */
export const CredentialStatusSchema = z.object({
  enrolledAt: z.string(),
  /** The last rotation since enrollment, or null. */
  rotatedAt: z.string().nullable(),
  /** Since when the client and signing secrets in the keychain are in use. */
  secretsSince: z.string(),
  ageDays: z.number().int().min(0),
  /** `cloud.rotateCredentialsEveryDays`; 0: only when the cloud asks. */
  rotateEveryDays: z.number().int().min(0),
  nextRotationAt: z.string().nullable(),
});
export type CredentialStatus = z.infer<typeof CredentialStatusSchema>;

export const AgentStatusSchema = z.object({
  agent: z.object({
    name: z.string(),
    version: z.string(),
    pid: z.number().int().nullable(),
    running: z.boolean(),
    startedAt: Rfc3339.nullable(),
  }),
  enrollment: z.object({
    enrolled: z.boolean(),
    agentId: z.string().nullable(),
    cloudUrl: z.string().nullable(),
    revoked: z.boolean(),
  }),
  cloud: z.object({
    /** null: not tried yet (or no agent running to try). */
    reachable: z.boolean().nullable(),
    /** The last time the cloud answered anything (a batch, a heartbeat, an error). */
    lastContactAt: Rfc3339.nullable(),
    lastError: ErrorInfoSchema.nullable(),
    /**
     * Delivery stopped by itself until its cause goes away (revoked, version too old, forbidden…);
     * the queue is kept. `kind` is the delivery halt's kind. Absent or null: not halted.
     */
    halted: z.object({ kind: z.string(), message: z.string() }).nullable().optional(),
    /**
     * Which channel brings the cloud's commands: the WebSocket tunnel, or the heartbeat (tunnel off,
     * not yet open, or not holdable, e.g. a proxy that strips upgrades). Absent: an older agent.
     */
    commandChannel: z.enum(['websocket', 'heartbeat']).optional(),
    /** When the channel last changed, and why the tunnel was last lost or refused (null: never). */
    commandChannelSince: Rfc3339.nullable().optional(),
    tunnelError: ErrorInfoSchema.nullable().optional(),
  }),
  queue: QueueStatusSchema,
  sources: z.array(SourceStatusSchema),
  alerts: z.array(AlertSchema),
  /** Null: not enrolled; absent: an agent version that did not report it. */
  credentials: CredentialStatusSchema.nullable().optional(),
});
export type AgentStatus = z.infer<typeof AgentStatusSchema>;
