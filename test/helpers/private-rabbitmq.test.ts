/**
 * The private RabbitMQ node kit: a node of its own on a free port, a real restart that keeps durable
 * queues and persistent messages, a client connection closed by the restart, and nothing left running
 * (no beam, no directory) after dispose.
 */
import { existsSync } from 'node:fs';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { leakedNodes, privateRabbitSkipReason, startPrivateRabbit, type PrivateRabbit } from './private-rabbitmq.ts';

const skipReason = privateRabbitSkipReason();

describe.skipIf(skipReason !== undefined)('private RabbitMQ node (test kit)', () => {
  let rabbit: PrivateRabbit | undefined;
  afterAll(async () => {
    await rabbit?.dispose();
  });

  it('restarts for real, keeps durable messages, and leaves nothing behind', async () => {
    rabbit = await startPrivateRabbit();
    expect(rabbit.port).not.toBe(5672);
    expect(leakedNodes()).toHaveLength(1); // the node runs, found by its environment
    const model = await amqp.connect(rabbit.url);
    const closed = new Promise<string>((resolve) => model.on('close', (error: unknown) => resolve(String(error))));
    model.on('error', () => undefined);
    const channel = await model.createConfirmChannel();
    await channel.assertQueue('kept', { durable: true });
    for (let i = 0; i < 10; i += 1) channel.sendToQueue('kept', Buffer.from(String(i)), { persistent: true });
    await channel.waitForConfirms();

    await rabbit.stop();
    expect(rabbit.running).toBe(false);
    // The stop closed the client as a restarting server does: CONNECTION_FORCED (320).
    expect(await closed).toMatch(/320|CONNECTION_FORCED|shutdown/);
    await expect(amqp.connect(rabbit.url, { timeout: 1000 })).rejects.toThrow();
    await rabbit.start();

    const again = await amqp.connect(rabbit.url);
    const check = await again.createChannel();
    expect((await check.checkQueue('kept')).messageCount).toBe(10);
    await again.close();
    expect(await rabbit.ctl(['list_queues', 'name', 'messages', '--quiet', '--no-table-headers'])).toMatch(/kept\s+10/);

    await rabbit.dispose();
    expect(leakedNodes()).toEqual([]);
    expect(existsSync(rabbit.dir)).toBe(false);
  }, 90_000);
});
