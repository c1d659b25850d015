/**
 * The sandbox's test/admin surface (`/admin/*`), declared once: the routes parse requests with
 * these schemas and SandboxAdmin parses the responses with them.
 */
import { z } from 'zod';
import { HeartbeatRequestSchema } from '../agents/api/cloud.ts';
import { StreamCountSchema } from './inspection-schemas.ts';

export {
  HistoryFilterSchema as RecordFilterSchema,
  StoredRecordSchema,
  StreamCountSchema,
  type RecordFilter,
  type StoredRecord,
} from './inspection-schemas.ts';

export const FaultSchema = z
  .object({
    /** Matches any method when absent. */
    method: z.string().toUpperCase().optional(),
    /** Matches requests whose path starts with this, e.g. `/v1/batches`. */
    pathPrefix: z.string().startsWith('/'),
    /** How many matching requests this fault affects before it is used up. */
    times: z.number().int().min(1).max(1_000_000).default(1),
    /** Answer with this status (and an error body) instead of handling the request. */
    status: z.number().int().min(400).max(599).optional(),
    code: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .optional(),
    message: z.string().optional(),
    /** `Retry-After`: delay seconds or an HTTP-date string, sent as given. */
    retryAfter: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
    /** Wait this long before handling (or before answering with `status`). */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Handle and commit, then wait this long before answering: "killed after the cloud committed". */
    delayAfterCommitMs: z.number().int().min(0).max(600_000).optional(),
    /** Destroy the socket without any response, before handling or after the commit. */
    dropConnection: z.enum(['beforeHandling', 'afterCommit']).optional(),
  })
  .refine(
    (f) =>
      f.status !== undefined ||
      f.latencyMs !== undefined ||
      f.delayAfterCommitMs !== undefined ||
      f.dropConnection !== undefined,
    { message: 'A fault needs one of status, latencyMs, delayAfterCommitMs or dropConnection.' },
  )
  .refine((f) => f.status === undefined || (f.dropConnection === undefined && f.delayAfterCommitMs === undefined), {
    message:
      'A fault that answers with a status never handles the request, so it cannot also drop or delay after commit.',
  });
export type Fault = z.output<typeof FaultSchema>;
export type FaultInput = z.input<typeof FaultSchema>;

export const EntitySchema = z.string().min(1).max(200);

export const EnrollmentKeyRequestSchema = z.object({
  key: z.string().min(8).max(200).optional(),
  /** The entities an agent enrolled with this key may send for; the sandbox's default entities when absent. */
  entities: z.array(EntitySchema).min(1).max(100).optional(),
});
export type EnrollmentKeyRequest = z.infer<typeof EnrollmentKeyRequestSchema>;
export const EnrollmentKeyResponseSchema = z.object({
  key: z.string(),
  created: z.boolean(),
  used: z.boolean(),
  entities: z.array(z.string()),
});
export type EnrollmentKeyResponse = z.infer<typeof EnrollmentKeyResponseSchema>;

export const QueueCommandRequestSchema = z.object({
  agentId: z.string().min(1),
  /** Any name, so tests can send a command the agent does not know (a newer cloud's). */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  args: z.record(z.string(), z.unknown()).default({}),
  /** `valid` (default): signed with the cloud key; `missing`: no `sig`; `invalid`: a signature over other content. */
  signature: z.enum(['valid', 'missing', 'invalid']).default('valid'),
  /**
   * `auto` (default): down the agent's tunnel when it is connected, else with the next heartbeat.
   * `both`: down the tunnel AND with the next heartbeat, to test that the agent runs it once.
   */
  channels: z.enum(['auto', 'both']).default('auto'),
});
export type QueueCommandRequest = z.input<typeof QueueCommandRequestSchema>;
export const QueueCommandResponseSchema = z.object({
  id: z.string(),
  /** The agent's tunnel was open and the command went down it at once. */
  sentOnTunnel: z.boolean(),
});

export const TunnelSettingsRequestSchema = z.object({
  /** Refuse WebSocket upgrades (and drop open tunnels), like a proxy that strips them. */
  refuseUpgrades: z.boolean(),
});
export const TunnelListResponseSchema = z.object({
  refuseUpgrades: z.boolean(),
  tunnels: z.array(
    z.object({
      agentId: z.string(),
      connectedAt: z.string(),
      tokenExpiresAt: z.string(),
      commandsSent: z.number().int(),
      acksReceived: z.number().int(),
      lastStatus: z.object({ receivedAt: z.string(), body: z.record(z.string(), z.unknown()) }).nullable(),
    }),
  ),
});
export type TunnelListResponse = z.infer<typeof TunnelListResponseSchema>;

export const ClockRequestSchema = z
  .object({
    /** Added to the real clock for everything: token expiry, the signature window, `Date`, the seq horizon. */
    offsetMs: z.number().int().optional(),
    /** Added on top, for the seq horizon only (`seq_in_future`): signatures keep working. */
    seqOffsetMs: z.number().int().optional(),
  })
  .refine((c) => c.offsetMs !== undefined || c.seqOffsetMs !== undefined, {
    message: 'Give offsetMs, seqOffsetMs or both.',
  });
export const ClockResponseSchema = z.object({
  offsetMs: z.number().int(),
  seqOffsetMs: z.number().int(),
  now: z.string(),
  /** The highest seq the cloud takes now (its seq clock plus 24 h, unix ms × 1000). */
  maxSeq: z.number().int(),
});
export type ClockResponse = z.infer<typeof ClockResponseSchema>;

export const LimitsSchema = z.object({
  maxBodyBytes: z.number().int().positive(),
  maxRecordsPerBatch: z.number().int().positive(),
  tokenTtlSecs: z.number().int().positive(),
  signatureWindowSecs: z.number().int().positive(),
});
export type Limits = z.infer<typeof LimitsSchema>;

export const MinAgentVersionRequestSchema = z.object({ version: z.string().min(1).nullable() });

export const RejectRuleSchema = z.object({
  stream: z.string().min(1),
  /** The record's key must equal this exactly (same fields, same values). */
  key: z.record(z.string(), z.string()),
  code: z.string().regex(/^[a-z0-9_]+$/),
  message: z.string().default('The cloud refused this record.'),
});
export type RejectRule = z.output<typeof RejectRuleSchema>;
export type RejectRuleInput = z.input<typeof RejectRuleSchema>;

/** Raw header values (RFC 9745 `Deprecation: @<unix>`, RFC 8594 `Sunset: <HTTP-date>`); null clears. */
export const DeprecationRequestSchema = z.object({
  deprecation: z.string().min(1).nullable().default(null),
  sunset: z.string().min(1).nullable().default(null),
});
export type Deprecation = z.output<typeof DeprecationRequestSchema>;

export const CountsSchema = z.object({
  /** `"POST /v1/batches" → {"200": 3, "503": 1, "dropped": 1}` */
  requests: z.record(z.string(), z.record(z.string(), z.number().int())),
  batchesApplied: z.number().int(),
  recordsAccepted: z.number().int(),
  /** Seqs already held plus `unchanged` records, as the batch answers count them. */
  duplicates: z.number().int(),
  stale: z.number().int(),
  rejected: z.number().int(),
  /** Batches received again with an idempotency key already applied (answered from the stored response). */
  retransmissions: z.number().int(),
  streams: z.array(StreamCountSchema),
  files: z.number().int(),
  heartbeats: z.number().int(),
  agents: z.number().int(),
});
export type Counts = z.infer<typeof CountsSchema>;

export const StoredBatchSchema = z.object({
  batchId: z.string(),
  agentId: z.string(),
  entity: z.string(),
  source: z.string(),
  stream: z.string(),
  records: z.number().int(),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  unchanged: z.number().int(),
  stale: z.number().int(),
  rejected: z.number().int(),
  retransmissions: z.number().int(),
  contentEncoding: z.string(),
  bytes: z.number().int(),
  receivedAt: z.string(),
});
export type StoredBatch = z.infer<typeof StoredBatchSchema>;

export const StoredHeartbeatSchema = z.object({
  seq: z.number().int(),
  agentId: z.string(),
  receivedAt: z.string(),
  body: HeartbeatRequestSchema,
});
export type StoredHeartbeat = z.infer<typeof StoredHeartbeatSchema>;

export const StoredAgentSchema = z.object({
  agentId: z.string(),
  clientId: z.string(),
  name: z.string(),
  hostname: z.string(),
  version: z.string(),
  entities: z.array(z.string()),
  enrolledAt: z.string(),
  revokedAt: z.string().nullable(),
  /** Set by `DELETE /v1/agents/{id}` (unregistered). */
  deletedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  /** The newest audit-chain head the agent reported. */
  auditHead: z.string().nullable(),
});
export type StoredAgent = z.infer<typeof StoredAgentSchema>;

export const StoredFileSchema = z.object({
  entity: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  name: z.string().nullable(),
  source: z.string().nullable(),
  /** The export's name for a file uploaded with `export=`. */
  exportName: z.string().nullable(),
  contentType: z.string().nullable(),
  /** Null for a file the cloud put there for the agent (`PUT /admin/files/{sha256}`). */
  agentId: z.string().nullable(),
  storedAt: z.string(),
});
export type StoredFile = z.infer<typeof StoredFileSchema>;
