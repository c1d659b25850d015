/** Config of the RabbitMQ source (docs/rabbitmq.md): consume one queue into one stream. */
import { z } from 'zod';
import { ArrivalExpectationSchema, SourceScheduleSchema } from './schedule.ts';
import { TimeZoneSchema } from './time-zone.ts';

const SlugSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _');

/** amqp:// or amqps:// without a password: the password comes from `password.secretRef` (the keychain). */
const AmqpUrlSchema = z
  .string()
  .regex(/^amqps?:\/\//, 'must start with amqp:// or amqps://')
  .refine((url) => !/^amqps?:\/\/[^/@]*:[^/@]*@/.test(url), {
    message: 'must not contain a password; put it in the keychain and set password.secretRef',
  });

export const RabbitmqSourceSchema = z
  .object({
    type: z.literal('rabbitmq'),
    name: SlugSchema,
    entity: SlugSchema.optional(),
    /** e.g. amqp://tya@mq.local:5672/%2F (user in the URL, password via secretRef). */
    url: AmqpUrlSchema,
    password: z.object({ secretRef: z.string().regex(/^[A-Za-z0-9._/-]+$/) }).strict().optional(),
    /** The queue to consume; it must exist (declared by whoever owns the broker). */
    queue: z.string().min(1).max(255),
    /** The stream every message of this queue becomes. */
    stream: SlugSchema,
    lane: z.enum(['urgent', 'bulk']).default('bulk'),
    /** JSON fields of the body that make the record key, e.g. ["receipt_id"]. */
    key: z.array(z.string().min(1)).min(1),
    /** A body field that, when `true`, makes the record a delete instead of an upsert. */
    deleteField: z.string().min(1).optional(),
    /** For messages without the message-id property: this header is the id; else a sha256 of the body. */
    idHeader: z.string().min(1).optional(),
    /** Unacked messages the broker sends ahead. */
    prefetch: z.number().int().min(1).max(10_000).default(500),
    /** Messages per outbox commit. */
    pageRows: z.number().int().min(1).max(10_000).default(500),
    /** Message ids remembered (in the committed checkpoint) to drop redeliveries. */
    rememberIds: z.number().int().min(100).max(200_000).default(5_000),
    /** Bodies above this are poison. */
    maxMessageBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(1024 * 1024),
    /** Poison messages are published here (with an x-tya-reason header); absent: rejected without requeue. */
    deadLetterExchange: z.string().min(1).optional(),
    intervalSecs: z.number().positive().max(3600).default(1),
    /** Business day of records (Completeness); messages carry UTC timestamps. */
    timeZone: TimeZoneSchema.default('UTC'),
    /** Consume only in these windows (messages wait on the broker meanwhile). */
    schedule: SourceScheduleSchema.optional(),
    /** Arrivals to watch for: a missing one raises an alert. */
    expect: z.array(ArrivalExpectationSchema).max(20).optional(),
  })
  .strict();
export type RabbitmqSourceConfig = z.infer<typeof RabbitmqSourceSchema>;
