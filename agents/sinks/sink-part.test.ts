/**
 * The sink part as the agent runs it (agent-parts.ts): built from the config's `sinks`, it routes the
 * configured streams into the sink queue and publishes them; a new config changes the routes live; no
 * `sinks` section, no part.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConfigSchema, type AgentConfig } from '../api/index.ts';
import type { AgentPartContext } from '../engine/agent-part.ts';
import { makeTempDir, openTestOutbox, type TempDir } from '../outbox/outbox-test-kit.ts';
import { systemClock } from '../pipeline/clock.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import type { SecretStore } from '../vault/index.ts';
import { BROKER, rabbitSkipReason, uniqueName } from '../sources/rabbitmq/rabbitmq-test-kit.ts';
import { startSinksPart } from './sink-part.ts';
import { countIds, receipts, until, type IdCounter } from './rabbitmq/rabbitmq-sink-test-kit.ts';

const skipReason = await rabbitSkipReason();

function configWith(sinks: unknown): AgentConfig {
  return AgentConfigSchema.parse({
    agent: { name: 'sink-part', dataDir: '/tmp/unused' },
    cloud: { url: 'http://127.0.0.1:9', entity: 'store-7' },
    ...(sinks === undefined ? {} : { sinks }),
  });
}

describe.skipIf(skipReason !== undefined)('sink part (real broker)', () => {
  let temp: TempDir | undefined;
  let consumer: IdCounter | undefined;
  afterEach(async () => {
    await consumer?.close();
    temp?.remove();
  });

  it('publishes the configured streams, follows a config change, and is absent without a sinks section', async () => {
    temp = makeTempDir();
    const outbox = openTestOutbox(temp.path('outbox.db'), systemClock);
    const exchange = uniqueName('part');
    consumer = await countIds(exchange, uniqueName('partq'));
    const sink = { type: 'rabbitmq', name: 'bus', url: `amqp://guest@${BROKER.host}:${BROKER.port}`, password: { secretRef: 'test/rabbit' }, exchange };
    let config = configWith([{ ...sink, streams: [{ source: 'pos', stream: 'receipts' }] }]);
    const ctx: AgentPartContext = {
      config: () => config, dataDir: temp.path(''), outbox, secrets: { resolve: () => Promise.resolve(BROKER.password) }, secretStore: {} as SecretStore,
      logger: createSilentLogger(), clock: systemClock, client: () => null, agentId: () => null,
    };
    expect(await startSinksPart({ ...ctx, config: () => configWith(undefined) })).toBeNull();
    const part = await startSinksPart(ctx);
    expect(part?.name).toBe('sinks');
    try {
      outbox.enqueue({ source: 'pos', stream: 'receipts', lane: 'bulk', records: receipts(0, 50), checkpoint: 1 });
      outbox.enqueue({ source: 'pos', stream: 'refunds', lane: 'bulk', records: receipts(0, 5).map((r) => ({ ...r, stream: 'refunds' })), checkpoint: 1 });
      await until('the receipts published', () => consumer!.seen.size === 50, 15_000);
      config = configWith([{ ...sink, streams: [{ source: 'pos', stream: 'receipts' }, { source: 'pos', stream: 'refunds' }] }]);
      await part!.configChanged!();
      outbox.enqueue({ source: 'pos', stream: 'refunds', lane: 'bulk', records: receipts(5, 5).map((r) => ({ ...r, stream: 'refunds' })), checkpoint: 2 });
      await until('the refunds committed after the change published', () => consumer!.seen.size === 55, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Refunds committed before the change were never queued for the sink.
      expect([...consumer.seen.keys()].filter((id) => id.startsWith('pos/refunds/'))).toHaveLength(5);
    } finally {
      await part!.stop();
    }
    expect(outbox.sinks.status(config.sinks ?? [])[0]).toMatchObject({ state: 'stopped', queued: 0, unconfirmed: 0, confirmed: 55 });
    outbox.close();
  }, 60_000);
});
