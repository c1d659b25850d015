/**
 * The wire contract with the cloud (../shared/cloud-api.md), as zod schemas: the agent parses every
 * response with these and the sandbox parses every request with them, so both sides share one truth.
 */
import { z } from 'zod';

const Rfc3339 = z.iso.datetime({ offset: true });
const JsonValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValueSchema), z.record(z.string(), JsonValueSchema)]),
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

export const EnrollResponseSchema = z.object({
  agentId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  signingSecret: z.string().min(1),
});
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;

export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

export const RotateResponseSchema = z.object({ clientSecret: z.string().min(1), signingSecret: z.string().min(1) });
export type RotateResponse = z.infer<typeof RotateResponseSchema>;

export const BatchRecordSchema = z.object({
  key: z.record(z.string(), z.string()),
  op: z.enum(['upsert', 'delete']),
  version: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  capturedAt: Rfc3339,
  data: z.record(z.string(), JsonValueSchema).optional(),
});
export type BatchRecord = z.infer<typeof BatchRecordSchema>;

export const BatchRequestSchema = z.object({
  batchId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID'),
  agentId: z.string().min(1),
  entity: z.string().min(1),
  source: z.string().min(1),
  stream: z.string().min(1),
  schemaVersion: z.literal(1),
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
  rejected: z.array(BatchRejectionSchema),
});
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
  'collect-diagnostics',
]);
export type CloudCommandName = z.infer<typeof CloudCommandNameSchema>;

export const CloudCommandSchema = z.object({
  type: z.literal('command').optional(),
  id: z.string().min(1),
  name: CloudCommandNameSchema,
  args: z.record(z.string(), z.unknown()).default({}),
});
export type CloudCommand = z.infer<typeof CloudCommandSchema>;

/** Heartbeat body: a status summary. Never secrets, never record data. */
export const HeartbeatRequestSchema = z.object({
  version: z.string(),
  uptimeSecs: z.number().min(0),
  sentAt: Rfc3339,
  queue: z.object({
    depth: z.number().int().min(0),
    oldestAgeSecs: z.number().min(0).nullable(),
    deadLetters: z.number().int().min(0),
  }),
  sources: z.array(
    z.object({ name: z.string(), healthy: z.boolean(), lastSuccessAt: Rfc3339.nullable(), lastErrorCode: z.string().nullable() }),
  ),
  lastErrorCodes: z.array(z.string()),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

export const HeartbeatResponseSchema = z.object({ commands: z.array(CloudCommandSchema) });
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
  fileName: 'tya-file-name',
  source: 'tya-source',
} as const;
