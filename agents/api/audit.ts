/**
 * The audit log's public shapes (issue 12 item 6): who did what security-relevant thing, chained by
 * hashes and sealed with a MAC under a key that lives only in the keychain (docs/audit-log.md).
 */
import { z } from 'zod';

const Rfc3339 = z.iso.datetime({ offset: true });

/** The security-relevant events the agent records (write-back: agents/writeback/, docs/writeback.md). */
export const AuditEventSchema = z.enum([
  'enrolled',
  'credentials-rotated',
  'revoked',
  'config-changed',
  'secret-set',
  'dead-letters-replayed',
  'dead-letters-discarded',
  'command-executed',
  'writeback-applied',
  'writeback-conflict',
  'writeback-resolved',
  'file-voided',
  'held-file-approved',
  'source-entity-moved',
  'quarantine-edited',
  'quarantine-replayed',
  'quarantine-discarded',
]);
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/**
 * Who caused it: `cli` (a command on this machine), `socket:<role>` / `session:<role>` (the control
 * API over a local socket or token, or a dashboard session), `cloud:<commandId>`, or `system`.
 */
export const AuditActorSchema = z.string().regex(/^(cli|system|(socket|session):(viewer|operator|admin)|cloud:[\w.:-]{1,120})$/);

/** Names, counts, codes and reasons only: never a secret's value and never record data. */
export const AuditDetailsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type AuditDetails = z.infer<typeof AuditDetailsSchema>;

export const AuditEntrySchema = z.object({
  seq: z.number().int().min(1),
  at: Rfc3339,
  actor: z.string(),
  event: AuditEventSchema,
  subject: z.string(),
  details: AuditDetailsSchema,
  /** `sha256:<hex>` of the entry before (a run of zeros for the first). */
  prevHash: z.string(),
  /** `sha256:<hex>` of this entry's canonical JSON (seq, at, actor, event, subject, details, prevHash). */
  hash: z.string(),
  /** HMAC-SHA256 of `hash` under the keychain's audit key; null when the key was unavailable. */
  mac: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** `GET /api/v1/audit`: newest first, with the chain's head and the last head the cloud acknowledged. */
export const AuditListSchema = z.object({
  entries: z.array(AuditEntrySchema),
  head: z.string().nullable(),
  acknowledgedHead: z.string().nullable(),
});
export type AuditList = z.infer<typeof AuditListSchema>;
