/**
 * The wire contract with the cloud (../shared/cloud-api.md), as zod schemas: the agent parses every
 * response with these and the sandbox parses every request with them, so both sides share one truth.
 */
import { z } from 'zod';

const Rfc3339 = z.iso.datetime({ offset: true });
const JsonValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);

export const CloudErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type CloudErrorBody = z.infer<typeof CloudErrorBodySchema>;

export const EnrollRequestSchema = z.object({
  enrollmentKey: z.string().min(1),
  name: z.string().min(1),
  hostname: z.string().min(1),
  version: z.string().min(1),
});
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

/**
 * A `seq` (cloud-api.md § Batches): a positive integer below 2^53, so a JSON number is exact. Hybrid
 * logical clock values (unix ms × 1000) reach 2^53 in the year 2255.
 */
export const SeqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Per entity, the highest `seq` the cloud holds: the agent's clock never numbers below it. */
export const SeqFloorsSchema = z.record(z.string(), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER));
export type SeqFloors = z.infer<typeof SeqFloorsSchema>;

export const EnrollResponseSchema = z.object({
  agentId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  signingSecret: z.string().min(1),
  /** The entities (companies) this agent may send for. */
  entities: z.array(z.string().min(1)).min(1),
  seqFloors: SeqFloorsSchema,
  /** The cloud's Ed25519 public key, base64 of its DER SubjectPublicKeyInfo (cloud-api.md § Cloud signatures). */
  cloudKey: z.string().min(1),
});
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;

export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
  seqFloors: SeqFloorsSchema,
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

export const RotateResponseSchema = z.object({ clientSecret: z.string().min(1), signingSecret: z.string().min(1) });
export type RotateResponse = z.infer<typeof RotateResponseSchema>;

export const BatchRecordSchema = z.object({
  key: z.record(z.string(), z.string()),
  op: z.enum(['upsert', 'delete']),
  version: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** The change's sequence number for its key, fixed at capture (cloud-api.md § Batches). */
  seq: SeqSchema,
  capturedAt: Rfc3339,
  data: z.record(z.string(), JsonValueSchema).optional(),
  /** Records of one group (one journal entry, one shift-close document) travel and apply together. */
  group: z.string().min(1).max(200).optional(),
});
export type BatchRecord = z.infer<typeof BatchRecordSchema>;

export const BatchRequestSchema = z.object({
  batchId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID'),
  agentId: z.string().min(1),
  entity: z.string().min(1),
  source: z.string().min(1),
  stream: z.string().min(1),
  schemaVersion: z.number().int().min(1),
  createdAt: Rfc3339,
  records: z.array(BatchRecordSchema).min(1).max(5000),
});
export type BatchRequest = z.infer<typeof BatchRequestSchema>;

export const BatchRejectionSchema = z.object({ index: z.number().int().min(0), code: z.string(), message: z.string() });
export type BatchRejection = z.infer<typeof BatchRejectionSchema>;

export const BatchResponseSchema = z.object({
  batchId: z.string(),
  accepted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  stale: z.number().int().min(0),
  staleIndexes: z.array(z.number().int().min(0)),
  rejected: z.array(BatchRejectionSchema),
});

/**
 * Record-level refusal codes the agent treats specially (cloud-api.md § Batches): these are not
 * dead-lettered but renumbered and sent again, unless a later change of the key was captured.
 */
export const RenumberRejectionCodes = ['seq_conflict', 'seq_in_future'] as const;
/** A group member refused because another member was: it follows its group's fate. */
export const GroupRejectedCode = 'group_rejected';
export type BatchResponse = z.infer<typeof BatchResponseSchema>;

export const FilePutResponseSchema = z.object({ sha256: z.string(), bytes: z.number().int().min(0) });
export type FilePutResponse = z.infer<typeof FilePutResponseSchema>;

export const CloudCommandNameSchema = z.enum([
  'sync-now',
  'resync-stream',
  'pause',
  'resume',
  'rotate-credentials',
  'revoke',
  'run-export',
  'writeback-available',
  'collect-diagnostics',
  'push-file',
]);
export type CloudCommandName = z.infer<typeof CloudCommandNameSchema>;

/**
 * A command as the cloud sends it. `name` is a plain string here so an unknown (newer) command is
 * answered with a typed error instead of failing the whole heartbeat answer; `sig` is the cloud's
 * Ed25519 signature over the canonical JSON (RFC 8785) of the object without `sig`.
 */
export const CloudCommandSchema = z.object({
  type: z.literal('command'),
  id: z.string().min(1),
  name: z.string().min(1),
  args: z.record(z.string(), z.unknown()),
  sig: z.string().min(1).optional(),
});
export type CloudCommand = z.infer<typeof CloudCommandSchema>;

/** The agent's answer to a command, on the tunnel or in the next heartbeat's `acks`. */
export const CommandAckSchema = z.union([
  z.object({
    type: z.literal('ack'),
    id: z.string().min(1),
    ok: z.literal(true),
    result: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    type: z.literal('ack'),
    id: z.string().min(1),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
]);
export type CommandAck = z.infer<typeof CommandAckSchema>;

/** Heartbeat body: a status summary. Never secrets, never record data. */
export const HeartbeatRequestSchema = z.object({
  version: z.string(),
  uptimeSecs: z.number().min(0),
  sentAt: Rfc3339,
  /** Which channel carries commands now: the tunnel, or (when it cannot be held) this heartbeat. */
  channel: z.enum(['websocket', 'heartbeat']),
  queue: z.object({
    depth: z.number().int().min(0),
    oldestAgeSecs: z.number().min(0).nullable(),
    deadLetters: z.number().int().min(0),
  }),
  sources: z.array(
    z.object({
      name: z.string(),
      healthy: z.boolean(),
      lastSuccessAt: Rfc3339.nullable(),
      lastErrorCode: z.string().nullable(),
    }),
  ),
  alerts: z.array(z.object({ code: z.string(), message: z.string(), since: Rfc3339 })),
  /** Head of the agent's audit chain (`sha256:…`), or null before the first entry. */
  auditHead: z.string().nullable(),
  /** Results of commands that arrived by heartbeat. */
  acks: z.array(CommandAckSchema),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

export const HeartbeatResponseSchema = z.object({
  commands: z.array(CloudCommandSchema),
  seqFloors: SeqFloorsSchema,
  auditHeadAck: z.string().nullable(),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

export const ReferenceListSchema = z.object({
  name: z.string(),
  items: z.array(z.record(z.string(), z.string())),
});
export type ReferenceList = z.infer<typeof ReferenceListSchema>;

/** Headers of cloud-api.md, named once. */
export const CloudHeaders = {
  agentVersion: 'tya-agent-version',
  signature: 'tya-signature',
  idempotencyKey: 'idempotency-key',
} as const;

/** `PUT /v1/files/{sha256}?entity=…&source=…&name=…[&export=…]`: metadata travels in the signed query. */
export function filePutPath(
  sha256: string,
  meta: { entity: string; source: string; name: string; exportName?: string },
): string {
  const query = new URLSearchParams({ entity: meta.entity, source: meta.source, name: meta.name });
  if (meta.exportName !== undefined) query.set('export', meta.exportName);
  // URLSearchParams writes spaces as '+'; percent-encoding is what the contract asks for.
  return `/v1/files/${sha256}?${query.toString().replace(/\+/g, '%20')}`;
}
