/**
 * The broker itself drops the sink's connection mid-stream (rabbitmqctl close_connection: the
 * CONNECTION_FORCED close a broker restart or an operator sends), twice, while the sink publishes a
 * backlog. Every message id arrives; duplicates never exceed the counted republishes. Skips when
 * rabbitmqctl cannot be used here (the broker is shared, so it is never restarted for real).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../pipeline/clock.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import { makeTempDir, openTestOutbox, type TempDir } from '../../outbox/outbox-test-kit.ts';
import { BROKER, rabbitSkipReason, uniqueName } from '../../sources/rabbitmq/rabbitmq-test-kit.ts';
import { routesOf } from '../sink-part.ts';
import { RabbitmqSink } from './rabbitmq-sink.ts';
import { countIds, receipts, sinkConfig, until, type IdCounter } from './rabbitmq-sink-test-kit.ts';
import { startFaultProxy, type FaultProxy } from '../../../test/helpers/fault-proxy.ts';

const run = promisify(execFile);

async function ctl(...args: string[]): Promise<string> {
  return (await run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 })).stdout;
}

async function ctlSkipReason(): Promise<string | undefined> {
  const broker = await rabbitSkipReason();
  if (broker !== undefined) return broker;
  try {
    await ctl('list_connections', 'pid');
    return undefined;
  } catch (error) {
    const reason = `RabbitMQ forced-close test skipped: rabbitmqctl is not usable here (${String(error).split('\n')[0]}).`;
    console.log(reason);
    return reason;
  }
}

const skipReason = await ctlSkipReason();

/** Closes this sink's connection from the broker side; false when it had none open. */
async function forceClose(connectionName: string): Promise<boolean> {
  // Tab-separated lines "<rabbit@host.1.2.0>\t[{...client properties...}]": the pid in the form close_connection takes.
  const lines = (await ctl('list_connections', 'pid', 'client_properties')).split('\n');
  const mine = lines.filter((line) => line.includes(connectionName)).map((line) => line.split('\t')[0] ?? '');
  for (const pid of mine) await ctl('close_connection', pid, 'test: the broker drops the sink');
  return mine.length > 0;
}

describe.skipIf(skipReason !== undefined)('RabbitMQ sink when the broker drops it (real broker)', () => {
  let temp: TempDir | undefined;
  let consumer: IdCounter | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await consumer?.close();
    await proxy?.close();
    temp?.remove();
  });

  it('loses nothing when the broker closes its connection twice mid-stream', async () => {
    const exchange = uniqueName('sink-forced');
    consumer = await countIds(exchange, uniqueName('sinkq'));
    temp = makeTempDir();
    const outbox = openTestOutbox(temp.path('outbox.db'), systemClock);
    const name = uniqueName('forced').replace(/^tya-test-/, '');
    // A slow link (50 ms each way) and a small window keep 20 messages in flight all the time, so each
    // close (rabbitmqctl takes seconds) lands while publishes wait for their confirms.
    proxy = await startFaultProxy({ target: { host: BROKER.host, port: BROKER.port }, plan: () => ({ type: 'latency', ms: 50 }) });
    const config = sinkConfig(exchange, proxy.port, { name, inFlight: 20 });
    outbox.sinks.setRoutes(routesOf([config]));
    const total = 4000;
    for (let from = 0; from < total; from += 500) {
      outbox.enqueue({ source: 'pos', stream: 'receipts', lane: 'bulk', records: receipts(from, 500), checkpoint: from + 500 });
    }
    const sink = new RabbitmqSink(config, { store: outbox.sinks, secrets: { resolve: () => Promise.resolve(BROKER.password) }, logger: createSilentLogger() });
    sink.start();
    let closes = 0;
    try {
      await until('the first messages', () => consumer!.seen.size >= 300, 20_000);
      if (await forceClose(`tya-agent sink ${name}`)) closes += 1;
      await until('the sink back and publishing', () => consumer!.seen.size >= 2000, 60_000);
      if (await forceClose(`tya-agent sink ${name}`)) closes += 1;
      await until('the sink queue emptied', () => {
        const [status] = outbox.sinks.status([config]);
        return status !== undefined && status.queued + status.unconfirmed === 0;
      }, 90_000);
      await until('the consumer saw every message', () => consumer!.seen.size >= total, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await sink.stop();
    }
    const [status] = outbox.sinks.status([config]);
    const duplicates = consumer.duplicates();
    console.log(`sink under broker-side closes: ${total} records, ${closes} closes, republished ${status?.republished}, duplicates seen ${duplicates}`);
    outbox.close();
    expect(closes).toBe(2);
    expect(consumer.seen.size).toBe(total);
    expect(status).toMatchObject({ queued: 0, unconfirmed: 0, confirmed: total });
    expect(status!.republished).toBeGreaterThan(0); // the closes cut publishes short of their confirm
    expect(duplicates).toBeLessThanOrEqual(status!.republished);
    expect(status!.lastError?.message).toMatch(/closed|CONNECTION_FORCED|drops the sink/);
  }, 150_000);
});
