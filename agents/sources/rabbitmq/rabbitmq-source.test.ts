/**
 * The RabbitMQ source against the real broker, through the real capture loop and outbox. The source
 * talks to the broker through a fault proxy that resets its connections mid-stream: every message
 * must reach the outbox exactly once (counted per key at every commit), redeliveries included, and
 * poison must be dead-lettered once, never looped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelModel } from 'amqplib';
import { RabbitmqSourceSchema } from '../../api/index.ts';
import type { EnqueueInput } from '../../outbox/record-writer.ts';
import type { Outbox } from '../../outbox/index.ts';
import type { SourceContext } from '../../pipeline/source.ts';
import { BackpressureGate } from '../../engine/backpressure-gate.ts';
import { CaptureLoop } from '../../engine/capture-loop.ts';
import { StatusTracker } from '../../engine/status-tracker.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import { makeTempDir, openTestOutbox } from '../../outbox/outbox-test-kit.ts';
import type { TempDir } from '../../outbox/outbox-test-kit.ts';
import { startFaultProxy } from '../../../test/helpers/fault-proxy.ts';
import type { FaultProxy } from '../../../test/helpers/fault-proxy.ts';
import { BROKER, openBroker, rabbitSkipReason, uniqueName } from './rabbitmq-test-kit.ts';
import { RabbitmqSource } from './rabbitmq-source.ts';

const skipReason = await rabbitSkipReason();

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function sourceContext(outbox: Outbox): SourceContext {
  return {
    checkpoints: outbox,
    secrets: { resolve: () => Promise.resolve(BROKER.password) },
    logger: createSilentLogger(),
    clock: systemClock,
    alerts: outbox,
  };
}

describe.skipIf(skipReason !== undefined)('RabbitMQ source (real broker)', () => {
  let broker: ChannelModel | undefined;
  let proxy: FaultProxy | undefined;
  let temp: TempDir | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
    await proxy?.close();
    await broker?.close().catch(() => undefined);
    temp?.remove();
  });

  it('commits every message exactly once across connection resets, dead-letters poison once', async () => {
    broker = await openBroker();
    const admin = await broker.createConfirmChannel();
    const queue = uniqueName('src');
    const dlx = uniqueName('dlx');
    const dlq = uniqueName('dlq');
    await admin.assertQueue(queue, { durable: false });
    await admin.assertExchange(dlx, 'fanout', { durable: false, autoDelete: false });
    await admin.assertQueue(dlq, { durable: false });
    await admin.bindQueue(dlq, dlx, '');
    cleanups.push(() => admin.deleteQueue(queue), () => admin.deleteQueue(dlq), () => admin.deleteExchange(dlx));

    const total = 3000;
    for (let i = 0; i < total; i += 1) {
      const body = Buffer.from(JSON.stringify({ receipt_id: i, total: `${i}.50`, note: 'x'.repeat(40) }));
      admin.sendToQueue(queue, body, { messageId: `m-${i}`, persistent: true, timestamp: 1_700_000_000 });
      // A producer that retried: the same message id again must not become a second record.
      if (i % 500 === 0) admin.sendToQueue(queue, body, { messageId: `m-${i}`, persistent: true });
    }
    admin.sendToQueue(queue, Buffer.from('not json at all'), { messageId: 'poison-1' });
    admin.sendToQueue(queue, Buffer.from(JSON.stringify({ other: 1 })), { messageId: 'poison-2' });
    await admin.waitForConfirms();

    // Reset the first two connections after some deliveries went down; then forward untouched.
    proxy = await startFaultProxy({ target: { host: BROKER.host, port: BROKER.port } });

    temp = makeTempDir();
    const outbox = openTestOutbox(temp.path('outbox.db'), systemClock);
    cleanups.push(() => Promise.resolve(outbox.close()));
    const perKey = new Map<string, number>();
    const enqueue = outbox.enqueue.bind(outbox);
    outbox.enqueue = (input: EnqueueInput) => {
      const result = enqueue(input);
      for (const record of input.records) {
        const id = record.key['receipt_id'] ?? '?';
        perKey.set(id, (perKey.get(id) ?? 0) + 1);
      }
      return result;
    };
    const config = RabbitmqSourceSchema.parse({
      type: 'rabbitmq',
      name: 'mq',
      url: `amqp://guest@127.0.0.1:${proxy.port}`,
      password: { secretRef: 'test/rabbit' },
      queue,
      stream: 'receipts',
      key: ['receipt_id'],
      prefetch: 200,
      pageRows: 100,
      deadLetterExchange: dlx,
    });
    // The figures the dashboard's Exchange screen shows, counted only for committed pages.
    const counts = new Map<string, number>();
    const source = new RabbitmqSource(config, { ...sourceContext(outbox), count: (counter, by) => counts.set(counter, (counts.get(counter) ?? 0) + by) });
    const status = new StatusTracker(systemClock);
    status.registerSource('mq', 'rabbitmq');
    const loop = new CaptureLoop({
      source,
      outbox,
      status,
      clock: systemClock,
      logger: createSilentLogger(),
      intervalMs: 50,
      reconnectBaseMs: 50,
      reconnectMaxMs: 200,
      onCommitted: () => undefined,
      gate: new BackpressureGate(outbox, () => undefined),
    });
    expect(await source.check(new AbortController().signal)).toMatchObject({ ok: true, message: expect.stringContaining(`queue "${queue}" holds 3008 messages`) as unknown });
    const missing = new RabbitmqSource({ ...config, queue: uniqueName('absent') }, { ...sourceContext(outbox) });
    expect(await missing.check(new AbortController().signal)).toMatchObject({ ok: false, code: 'rabbitmq_queue_missing' });
    proxy.setPlan((i) => (i === 0 ? { type: 'reset-response', afterBytes: 60_000 } : i === 1 ? { type: 'reset-response', afterBytes: 150_000 } : { type: 'none' }));
    loop.start();
    try {
      await until('every message committed', () => perKey.size === total, 60_000);
      await until('the queue drained and acked', () => false, 1500).catch(() => undefined);
    } finally {
      await loop.stop();
    }
    const check = await admin.checkQueue(queue);
    const doubled = [...perKey.entries()].filter(([, n]) => n !== 1);
    expect(proxy.stats().faultsApplied).toBeGreaterThanOrEqual(2); // both resets really happened
    expect(doubled).toEqual([]);
    expect(perKey.size).toBe(total);
    expect(outbox.stats().depth).toBe(total);
    expect(check.messageCount).toBe(0); // all acked, nothing left to loop
    const dead = await admin.checkQueue(dlq);
    expect(dead.messageCount).toBe(2);
    expect(source.poisoned).toBe(2);
    expect(counts.get('poisoned')).toBe(2);
    // Six producer retries with the same message id at least, plus what the resets redelivered.
    expect(counts.get('redeliveriesDropped')).toBeGreaterThanOrEqual(6);
    expect(outbox.listAlerts().map((a) => a.code)).toContain('rabbitmq_poison_mq');
  }, 120_000);
});
