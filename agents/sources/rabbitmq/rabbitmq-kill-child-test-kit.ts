/**
 * The process the kill -9 test kills: the real RabbitMQ source, capture loop and outbox (FULL sync,
 * as the agent runs it). Prints one line per commit so the test sees what each commit carried.
 * Env: TYA_RMQ_OUTBOX (file), TYA_RMQ_QUEUE.
 */
import { RabbitmqSourceSchema } from '../../api/index.ts';
import { BackpressureGate } from '../../engine/backpressure-gate.ts';
import { CaptureLoop } from '../../engine/capture-loop.ts';
import { StatusTracker } from '../../engine/status-tracker.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import type { EnqueueInput } from '../../outbox/record-writer.ts';
import { openTestOutbox } from '../../outbox/outbox-test-kit.ts';
import { BROKER } from './rabbitmq-test-kit.ts';
import { RabbitmqSource } from './rabbitmq-source.ts';

const outbox = openTestOutbox(process.env['TYA_RMQ_OUTBOX'] ?? '', systemClock, { synchronous: 'FULL' });
const enqueue = outbox.enqueue.bind(outbox);
outbox.enqueue = (input: EnqueueInput) => {
  const result = enqueue(input);
  process.stdout.write(`commit ${result.inserted} ${result.duplicates}\n`);
  return result;
};
const config = RabbitmqSourceSchema.parse({
  type: 'rabbitmq',
  name: 'mq',
  url: `amqp://guest@${BROKER.host}:${BROKER.port}`,
  password: { secretRef: 'test/rabbit' },
  queue: process.env['TYA_RMQ_QUEUE'],
  stream: 'receipts',
  key: ['receipt_id'],
  prefetch: 100,
  pageRows: 50,
});
const source = new RabbitmqSource(config, {
  checkpoints: outbox,
  secrets: { resolve: () => Promise.resolve(BROKER.password) },
  logger: createSilentLogger(),
  clock: systemClock,
  alerts: outbox,
});
const status = new StatusTracker(systemClock);
status.registerSource('mq', 'rabbitmq');
new CaptureLoop({
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
}).start();
