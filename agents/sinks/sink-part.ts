/**
 * Broker sinks as a part of the running agent (docs/rabbitmq-sink.md): routes the configured streams
 * into the outbox's sink queue (records committed from now on are queued for each sink in the same
 * transaction as for the cloud) and runs one publisher per sink. Runs only when the config has
 * `sinks`; loaded lazily, so an agent without sinks never loads amqplib or this code.
 */
import type { SinkConfig } from '../api/sink-config.ts';
import type { AgentPart, AgentPartContext } from '../engine/agent-parts.ts';
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
    const sinks = ctx.config().sinks ?? [];
    ctx.outbox.sinks.setRoutes(routesOf(sinks));
    const wanted = new Map(sinks.map((s) => [s.name, s]));
    for (const [name, entry] of [...running]) {
      if (wanted.has(name) && JSON.stringify(wanted.get(name)) === entry.json) continue;
      await entry.sink.stop();
      running.delete(name);
    }
    for (const config of sinks) {
      if (running.has(config.name)) continue;
      const sink = new RabbitmqSink(config, { store: ctx.outbox.sinks, secrets: ctx.secrets, logger });
      running.set(config.name, { json: JSON.stringify(config), sink });
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
