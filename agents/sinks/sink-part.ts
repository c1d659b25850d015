/**
 * Broker sinks as a part of the running agent (docs/rabbitmq-sink.md): routes the configured streams
 * into the outbox's sink queue (records committed from now on are queued for each sink in the same
 * transaction as for the cloud) and runs one publisher per sink. Runs only when the config has
 * `sinks`; loaded lazily, so an agent without sinks never loads amqplib or this code.
 */
import type { SinkConfig } from '../api/sink-config.ts';
import type { AgentPart, AgentPartContext } from '../engine/agent-part.ts';
import type { SinkRoute } from '../outbox/sink-queue-store.ts';
import { RabbitmqSink } from './rabbitmq/rabbitmq-sink.ts';

export function routesOf(sinks: readonly SinkConfig[]): SinkRoute[] {
  return sinks.flatMap((sink) => sink.streams.map((s) => ({ sink: sink.name, source: s.source, stream: s.stream, routingKey: sink.routingKey })));
}

export function startSinksPart(ctx: AgentPartContext): Promise<AgentPart | null> {
  if (ctx.config().sinks === undefined) return Promise.resolve(null);
  const running = new Map<string, { json: string; sink: RabbitmqSink }>();
  const logger = ctx.logger.child({ component: 'sink.rabbitmq' });
  const sync = async (): Promise<void> => {
    const config = ctx.config();
    const sinks = config.sinks ?? [];
    ctx.outbox.sinks.setRoutes(routesOf(sinks));
    for (const route of routesOf(sinks)) {
      if (!config.sources.some((s) => s.name === route.source)) {
        logger.warn({ sink: route.sink }, `Sink "${route.sink}" names source "${route.source}", which is not in the config: it will publish nothing for it.`);
      }
    }
    const wanted = new Map(sinks.map((s) => [s.name, s]));
    for (const [name, entry] of [...running]) {
      if (wanted.has(name) && JSON.stringify(wanted.get(name)) === entry.json) continue;
      await entry.sink.stop();
      running.delete(name);
    }
    for (const sinkConfig of sinks) {
      if (running.has(sinkConfig.name)) continue;
      const sink = new RabbitmqSink(sinkConfig, { store: ctx.outbox.sinks, secrets: ctx.secrets, logger });
      running.set(sinkConfig.name, { json: JSON.stringify(sinkConfig), sink });
      sink.start();
    }
  };
  return sync().then(() => ({
    name: 'sinks',
    configChanged: sync,
    async stop() {
      // Routes stay: records committed while the agent stops are still queued for the next start.
      await Promise.all([...running.values()].map((entry) => entry.sink.stop()));
      running.clear();
    },
  }));
}
