/**
 * The process the sink's kill -9 test kills: the real outbox (FULL sync, as the agent runs it) keeps
 * committing pages of receipts while the real RabbitMQ sink publishes them. The next key to capture is
 * what the outbox holds, so a killed run resumes where its last commit ended.
 * Env: TYA_SINK_OUTBOX (file), TYA_SINK_EXCHANGE, TYA_SINK_TOTAL.
 */
import { systemClock } from '../../pipeline/clock.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import { openTestOutbox } from '../../outbox/outbox-test-kit.ts';
import { BROKER } from '../../sources/rabbitmq/rabbitmq-test-kit.ts';
import { routesOf } from '../sink-part.ts';
import { RabbitmqSink } from './rabbitmq-sink.ts';
import { receipts, sinkConfig } from './rabbitmq-sink-test-kit.ts';

const total = Number(process.env['TYA_SINK_TOTAL'] ?? '0');
const outbox = openTestOutbox(process.env['TYA_SINK_OUTBOX'] ?? '', systemClock, { synchronous: 'FULL' });
const config = sinkConfig(process.env['TYA_SINK_EXCHANGE'] ?? '', BROKER.port);
outbox.sinks.setRoutes(routesOf([config]));
const sink = new RabbitmqSink(config, { store: outbox.sinks, secrets: { resolve: () => Promise.resolve(BROKER.password) }, logger: createSilentLogger() });
sink.start();
const capture = setInterval(() => {
  const committed = outbox.stats().depth; // nothing is delivered here: depth is every record committed
  if (committed >= total) {
    clearInterval(capture);
    return;
  }
  const page = Math.min(50, total - committed);
  try {
    outbox.enqueue({ source: 'pos', stream: 'receipts', lane: 'bulk', records: receipts(committed, page), checkpoint: committed + page });
  } catch (error) {
    // As the agent's capture loop does: a failed commit (the test's reader holding the file a moment) is tried again.
    process.stderr.write(`sink kill child: commit failed, retrying: ${String(error)}\n`);
    return;
  }
  sink.wake();
}, 5);
