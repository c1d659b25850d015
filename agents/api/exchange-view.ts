/**
 * What the control API and the dashboard show of the agent's exchanges beyond HTTP: RabbitMQ queues it
 * consumes (docs/rabbitmq.md) and files fetched from and pushed to SFTP servers (docs/sftp.md).
 */
import { z } from 'zod';
import { ErrorInfoSchema, SourceStateSchema } from './status.ts';

export const RabbitmqQueueViewSchema = z.object({
  source: z.string(),
  queue: z.string(),
  stream: z.string(),
  state: SourceStateSchema,
  /** Messages committed to the outbox (the source's recordsCaptured). */
  consumed: z.number().int(),
  /** Redelivered messages whose id was already committed: acked and dropped, not sent twice. */
  redeliveriesDropped: z.number().int(),
  /** Messages that could not be used: rejected to the queue's dead-letter exchange or sent to `deadLetterExchange`. */
  poisoned: z.number().int(),
  deadLetterExchange: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastError: ErrorInfoSchema.nullable(),
});
export type RabbitmqQueueView = z.infer<typeof RabbitmqQueueViewSchema>;

/**
 * `waiting`: in the watched folder, not imported yet; `delivering`: imported, its records or original
 * still on their way to the cloud; `imported`: every record and the original reached the cloud;
 * `kept`: a record was refused by the cloud or is in quarantine, so afterImport leaves it on the
 * server; `duplicate`: the same content was fetched before under another name or date, so it was not
 * imported again; `moved` / `deleted`: delivered, then moved or deleted on the server as configured.
 */
export const SftpFetchStateSchema = z.enum(['waiting', 'delivering', 'imported', 'kept', 'duplicate', 'moved', 'deleted']);
export type SftpFetchState = z.infer<typeof SftpFetchStateSchema>;

export const SftpFetchedViewSchema = z.object({
  server: z.string(),
  remotePath: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  fetchedAt: z.string(),
  state: SftpFetchStateSchema,
  /** Where it was moved to on the server, for `moved`. */
  movedTo: z.string().nullable(),
  /** For `waiting`, `delivering` and `kept`: why it is still on the server, e.g. "kept: 2 records rejected by the cloud …". */
  reason: z.string().nullable(),
});
export type SftpFetchedView = z.infer<typeof SftpFetchedViewSchema>;

export const SftpPushedViewSchema = z.object({ server: z.string(), name: z.string(), remotePath: z.string(), sha256: z.string(), pushedAt: z.string() });
export type SftpPushedView = z.infer<typeof SftpPushedViewSchema>;

export const SftpServerViewSchema = z.object({
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  pull: z.object({ remoteDir: z.string(), intervalSecs: z.number().int(), afterImport: z.string() }).nullable(),
  push: z.object({ remoteDir: z.string() }).nullable(),
});
export type SftpServerView = z.infer<typeof SftpServerViewSchema>;

export const ExchangeViewSchema = z.object({
  rabbitmq: z.array(RabbitmqQueueViewSchema),
  sftp: z.object({ servers: z.array(SftpServerViewSchema), fetched: z.array(SftpFetchedViewSchema), pushed: z.array(SftpPushedViewSchema) }),
});
export type ExchangeView = z.infer<typeof ExchangeViewSchema>;
