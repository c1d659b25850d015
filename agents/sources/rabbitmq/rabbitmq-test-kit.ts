/** Shared by the RabbitMQ tests: the loopback broker, unique names, a probe that explains a skip. */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';

export const BROKER = { host: '127.0.0.1', port: 5672, user: 'guest', password: 'guest' };
export const BROKER_URL = `amqp://${BROKER.user}:${BROKER.password}@${BROKER.host}:${BROKER.port}`;

/** Why the RabbitMQ tests cannot run here, or undefined when the broker answers. */
export async function rabbitSkipReason(): Promise<string | undefined> {
  try {
    const model = await amqp.connect(BROKER_URL, { timeout: 3000 });
    model.on('error', () => undefined);
    await model.close();
    return undefined;
  } catch (error) {
    const reason = `RabbitMQ tests skipped: nothing usable at ${BROKER.host}:${BROKER.port} (${String(error)}).`;
    console.log(reason);
    return reason;
  }
}

export function uniqueName(prefix: string): string {
  return `tya-test-${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function openBroker(): Promise<ChannelModel> {
  const model = await amqp.connect(BROKER_URL);
  model.on('error', () => undefined);
  return model;
}
