/**
 * The `sinks` section of the agent's config (docs/rabbitmq-sink.md): captured streams also published
 * to a message broker, beside (never instead of) the cloud. Also the status contract of a sink
 * (`GET /api/v1/sinks`, `tya-agent sink list`).
 */
import { z } from 'zod';

const SlugSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _');

/** `{source}`, `{stream}` and `{op}` are replaced per record; anything else is kept as written. */
const RoutingKeyTemplateSchema = z
  .string()
  .max(255)
  .refine((t) => [...t.matchAll(/\{([^}]*)\}/g)].every((m) => ['source', 'stream', 'op'].includes(m[1] ?? '')), {
    message: 'only {source}, {stream} and {op} may be used as placeholders',
  });

/** amqp:// or amqps:// without a password, e.g. amqp://tya@mq.local:5672/%2F (also write-back's rabbitmq target). */
export const BrokerUrlSchema = z
  .string()
  .regex(/^amqps?:\/\//, 'must start with amqp:// or amqps://')
  .refine((url) => !/^amqps?:\/\/[^/@]*:[^/@]*@/.test(url), {
    message: 'must not contain a password; put it in the keychain and set password.secretRef',
  });
export const BrokerPasswordSchema = z.object({ secretRef: z.string().regex(/^[A-Za-z0-9._/-]+$/) }).strict();

export const RabbitmqSinkSchema = z
  .object({
    type: z.literal('rabbitmq'),
    name: SlugSchema,
    url: BrokerUrlSchema,
    password: BrokerPasswordSchema.optional(),
    /** The exchange messages are published to; declared durable by the agent when `declare` is true. */
    exchange: z.string().min(1).max(255),
    exchangeType: z.enum(['direct', 'topic', 'fanout', 'headers']).default('topic'),
    /** Declare the exchange (durable) on connect; false when whoever owns the broker declares it. */
    declare: z.boolean().default(true),
    routingKey: RoutingKeyTemplateSchema.default('{source}.{stream}'),
    /** The streams whose captured records this sink publishes. */
    streams: z.array(z.object({ source: z.string().min(1), stream: z.string().min(1) }).strict()).min(1),
    /** Messages published and not yet confirmed by the broker, at most. */
    inFlight: z.number().int().min(1).max(10_000).default(256),
    /** Reconnect backoff after the broker went away: from `retryMinMs`, doubling, up to `retryMaxMs`. */
    retryMinMs: z.number().int().min(10).max(60_000).default(500),
    retryMaxMs: z.number().int().min(10).max(600_000).default(30_000),
  })
  .strict();
export type RabbitmqSinkConfig = z.infer<typeof RabbitmqSinkSchema>;

export const SinkConfigSchema = z.discriminatedUnion('type', [RabbitmqSinkSchema]);
export type SinkConfig = z.infer<typeof SinkConfigSchema>;

export const SinksConfigSchema = z.array(SinkConfigSchema).superRefine((sinks, ctx) => {
  const names = new Set<string>();
  sinks.forEach((sink, i) => {
    if (names.has(sink.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate sink name "${sink.name}"` });
    names.add(sink.name);
  });
});

/** One sink as `GET /api/v1/sinks` and `tya-agent sink list` show it. */
export const SinkStatusSchema = z.object({
  name: z.string(),
  type: z.literal('rabbitmq'),
  exchange: z.string(),
  /** connected | connecting | waiting (broker away, retrying) | stopped (agent not running this sink). */
  state: z.enum(['connected', 'connecting', 'waiting', 'stopped']),
  /** Waiting in SQLite, never published yet. */
  queued: z.number().int(),
  /** Published at least once and not confirmed yet (in flight, or to be republished after a reconnect/restart). */
  unconfirmed: z.number().int(),
  /** Confirmed by the broker and removed from the queue, since the sink was first configured. */
  confirmed: z.number().int(),
  /** Published again because no confirm came for an earlier publish: consumers may see these twice. */
  republished: z.number().int(),
  lastError: z.object({ at: z.string(), message: z.string() }).nullable(),
  /** When the broker last confirmed a message; null before the first. */
  lastConfirmedAt: z.string().nullable(),
});
export type SinkStatus = z.infer<typeof SinkStatusSchema>;
