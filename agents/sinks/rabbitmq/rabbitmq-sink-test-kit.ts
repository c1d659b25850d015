/** Shared by the RabbitMQ sink tests: the sink's config, records to capture, and a consumer that counts message ids. */
import type { ChannelModel } from 'amqplib';
import { RabbitmqSinkSchema, type RabbitmqSinkConfig, type SourceRecord } from '../../api/index.ts';
import { openBroker } from '../../sources/rabbitmq/rabbitmq-test-kit.ts';

export function sinkConfig(exchange: string, port: number, extra: Partial<RabbitmqSinkConfig> = {}): RabbitmqSinkConfig {
  return RabbitmqSinkSchema.parse({
    type: 'rabbitmq',
    name: 'mq',
    url: `amqp://guest@127.0.0.1:${port}`,
    password: { secretRef: 'test/rabbit' },
    exchange,
    routingKey: '{source}.{stream}.{op}',
    streams: [{ source: 'pos', stream: 'receipts' }],
    inFlight: 100,
    retryMinMs: 50,
    retryMaxMs: 400,
    ...extra,
  });
}

export function receipts(from: number, count: number): SourceRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      stream: 'receipts',
      key: { receipt_id: String(i) },
      op: 'upsert' as const,
      data: { receipt_id: String(i), total: `${i}.10`, note: 'x'.repeat(60) },
      capturedAt: new Date(Date.UTC(2026, 11, 6, 12, 0, 0, i % 1000)).toISOString(),
    };
  });
}

/** A consumer bound to the sink's exchange with its own connection (straight to the broker). */
export interface IdCounter {
  readonly seen: Map<string, number>;
  readonly bodies: Map<string, string>;
  readonly headers: Map<string, Record<string, unknown>>;
  duplicates(): number;
  close(): Promise<void>;
}

export async function countIds(exchange: string, queue: string): Promise<IdCounter> {
  const model: ChannelModel = await openBroker();
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: false, exclusive: true });
  await channel.bindQueue(queue, exchange, '#');
  const seen = new Map<string, number>();
  const bodies = new Map<string, string>();
  const headers = new Map<string, Record<string, unknown>>();
  await channel.consume(queue, (message) => {
    if (message === null) return;
    const id = String(message.properties.messageId);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (!bodies.has(id)) {
      bodies.set(id, message.content.toString('utf8'));
      headers.set(id, { ...(message.properties.headers ?? {}), deliveryMode: message.properties.deliveryMode as unknown, routingKey: message.fields.routingKey });
    }
  }, { noAck: true });
  return {
    seen,
    bodies,
    headers,
    duplicates: () => [...seen.values()].reduce((sum, n) => sum + n - 1, 0),
    close: async () => {
      await channel.deleteExchange(exchange).catch(() => undefined);
      await model.close().catch(() => undefined);
    },
  };
}

export async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
