/**
 * Write-back into a RabbitMQ exchange: the item (its mapped fields) as one persistent message whose
 * message id is the item id, on a confirm channel; the write counts as done only when the broker
 * confirmed it. A crash between the publish and the confirm leaves the intent without an outcome,
 * so the applier reports it `outcome_unknown` and never publishes it again by itself (a consumer
 * may already hold it: "is it there?" cannot be asked of a queue that others consume).
 */
import type { WritebackItem } from '../api/writeback.ts';
import type { RabbitmqWritebackTarget } from '../api/writeback-config.ts';
import type { SecretResolver } from '../pipeline/source.ts';
import type { Fields } from './conflict-policy.ts';

export async function publishItem(
  target: RabbitmqWritebackTarget,
  item: WritebackItem,
  fields: Fields,
  secrets: SecretResolver,
  afterPublish?: () => void,
): Promise<Record<string, string | null>> {
  const mapped: Record<string, string | null> = {};
  for (const [field, name] of Object.entries(target.columns)) {
    if (field in fields) mapped[name] = fields[field] ?? null;
  }
  const password = target.password === undefined ? undefined : await secrets.resolve(target.password.secretRef);
  let url = target.url;
  if (password !== undefined) {
    const parsed = new URL(url);
    parsed.password = password; // in memory only, never in config or logs
    url = parsed.toString();
  }
  const amqp = (await import('amqplib')).default;
  const model = await amqp.connect(url, { timeout: 10_000 });
  model.on('error', () => undefined);
  try {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => undefined);
    // The exchange belongs to whoever consumes it: a missing one is an error, not something to create.
    await channel.checkExchange(target.exchange);
    const body = JSON.stringify({ id: item.id, target: item.target, op: item.op, key: item.key, data: mapped });
    const confirmed = new Promise<void>((resolve, reject) => {
      channel.publish(
        target.exchange,
        target.routingKey ?? target.name,
        Buffer.from(body, 'utf8'),
        { persistent: true, messageId: item.id, contentType: 'application/json', appId: 'tya-agent', type: 'writeback', headers: { 'x-tya-target': target.name, 'x-tya-seq': String(item.seq) } },
        (error: unknown) => (error === null || error === undefined ? resolve() : reject(new Error(`The broker did not confirm write-back item ${item.id}.`))),
      );
    });
    afterPublish?.();
    await confirmed;
    return mapped;
  } finally {
    await model.close().catch(() => undefined);
  }
}
