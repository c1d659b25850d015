/**
 * The RabbitMQ source and sink across real broker restarts (issue 14): a private RabbitMQ node (its
 * own Erlang node, port and data; the shared broker on 5672 is never touched) is stopped with
 * `rabbitmqctl stop` and started again twice while a real `tya-agent run` consumes a queue a producer
 * keeps filling, and publishes the same records to an exchange on that node.
 * - Source: the sandbox's history holds every message's record exactly once (the history oracle), and
 *   the agent's status showed the broker away (state error, a rabbitmq_* error) and back (ok).
 * - Sink: every record's message arrives in a durable queue bound to the exchange at least once, and the
 *   duplicates there are no more than the republishes the sink counted.
 * - Poison: a message that is not JSON, published between the restarts, is in the dead-letter queue once.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus, SinkStatus } from '../../agents/api/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { controlCall } from '../helpers/control-http.ts';
import { checkHistory } from '../helpers/history-oracle.ts';
import { leakedNodes, privateRabbitSkipReason, startPrivateRabbit, type PrivateRabbit } from '../helpers/private-rabbitmq.ts';
import { startProducer, type ProducedMessage, type Producer } from '../helpers/rabbit-producer.ts';

const skipReason = privateRabbitSkipReason();
const TOTAL = 3000;
const POISON_AT = 1500;
const IN_QUEUE = 'pos-in';
const POISON_EXCHANGE = 'tya-poison';
const POISON_QUEUE = 'pos-poison';
const OUT_EXCHANGE = 'tya-out';
const OUT_QUEUE = 'erp-in';

const body = (i: number): Record<string, string> => ({ receipt_id: String(i), total: `${i}.25`, note: `Kassa ${i % 7} – €` });

/** What the agent said about the broker while the test ran, from its control API. */
interface Seen {
  sourceStates: Set<string>;
  sourceErrorCodes: Set<string>;
  sinkStates: Set<string>;
}

let dir: string;
let rabbit: PrivateRabbit | undefined;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let configFile: string;
let agent: AgentProcess | undefined;
let producer: Producer | undefined;
let watching = false;

describe.skipIf(skipReason !== undefined)('RabbitMQ source and sink across real broker restarts', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-rabbit-restart-'));
    rabbit = await startPrivateRabbit();
    const setup = await amqp.connect(rabbit.url);
    const channel = await setup.createChannel();
    await channel.assertQueue(IN_QUEUE, { durable: true });
    await channel.assertExchange(POISON_EXCHANGE, 'fanout', { durable: true });
    await channel.assertQueue(POISON_QUEUE, { durable: true });
    await channel.bindQueue(POISON_QUEUE, POISON_EXCHANGE, '');
    await channel.assertExchange(OUT_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(OUT_QUEUE, { durable: true });
    await channel.bindQueue(OUT_QUEUE, OUT_EXCHANGE, '#');
    await setup.close();

    sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
    admin = new SandboxAdmin(sandbox.url);
    const url = `amqp://${rabbit.user}@127.0.0.1:${rabbit.port}`;
    configFile = path.join(dir, 'agent.json');
    writeAgentConfig(configFile, {
      agent: { name: 'Broker restart', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
      sources: [{ type: 'rabbitmq', name: 'pos', url, password: { secretRef: 'pos/broker' }, queue: IN_QUEUE, stream: 'receipts',
        key: ['receipt_id'], prefetch: 100, pageRows: 50, deadLetterExchange: POISON_EXCHANGE }],
      sinks: [{ type: 'rabbitmq', name: 'erp-bus', url, password: { secretRef: 'pos/broker' }, exchange: OUT_EXCHANGE,
        routingKey: '{source}.{stream}.{op}', streams: [{ source: 'pos', stream: 'receipts' }], inFlight: 20, retryMinMs: 200, retryMaxMs: 1000 }],
    });
    const secret = await runCli(['secret', 'set', 'pos/broker', '--config', configFile], { input: `${rabbit.password}\n` });
    expect(secret.code, secret.stderr).toBe(0);
    const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);
  });

  afterAll(async () => {
    watching = false;
    await producer?.stop();
    await agent?.kill('SIGKILL');
    await runCli(['secret', 'delete', 'pos/broker', '--config', configFile]).catch(() => undefined);
    await sandbox?.close();
    await rabbit?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('source: every message exactly once in the cloud; sink: every record published, duplicates ≤ republished; poison dead-lettered once', async () => {
    const broker = rabbit!;
    const viewer = { socketPath: path.join(dir, 'data', 'control-viewer.sock') };
    const status = async (): Promise<AgentStatus | undefined> =>
      (await controlCall(viewer, { path: '/api/v1/status' }).catch(() => undefined))?.json.value as AgentStatus | undefined;
    const sinkStatus = async (): Promise<SinkStatus | undefined> =>
      ((await controlCall(viewer, { path: '/api/v1/sinks' }).catch(() => undefined))?.json.value as SinkStatus[] | undefined)?.[0];
    const delivered = async (): Promise<number> =>
      (await admin.counts()).streams.find((s) => s.source === 'pos' && s.stream === 'receipts')?.records ?? 0;

    agent = startAgentProcess(configFile);
    const seen: Seen = { sourceStates: new Set(), sourceErrorCodes: new Set(), sinkStates: new Set() };
    watching = true;
    const watcher = (async () => {
      while (watching) {
        const source = (await status())?.sources.find((s) => s.name === 'pos');
        if (source !== undefined) {
          seen.sourceStates.add(source.state);
          if (source.state === 'error' && source.lastError !== null) seen.sourceErrorCodes.add(source.lastError.code);
        }
        const sink = await sinkStatus();
        if (sink !== undefined) seen.sinkStates.add(sink.state);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    const messages: ProducedMessage[] = Array.from({ length: TOTAL }, (_, i) => ({ body: JSON.stringify(body(i)), options: { messageId: `m-${i}` } }));
    messages.splice(POISON_AT, 0, { body: 'receipt 1500½ {not json', options: { messageId: 'poison-1' } });
    producer = startProducer({ url: broker.url, queue: IN_QUEUE, messages, burst: 20, everyMs: 100 });
    const describeRun = (): string => `producer confirmed ${producer!.confirmed}; agent output:\n${agent!.output().slice(-3000)}`;

    // Each restart lands while the producer publishes and the agent consumes and publishes.
    // rabbitmqctl takes seconds to start on a loaded machine: the restarts are asked for early enough
    // that the producer is still publishing (and the agent consuming) when the node goes down.
    const restartMs: number[] = [];
    const producedAtStop: number[] = [];
    for (const part of [0.25, 0.55]) {
      await waitFor(`${part * 100}% of the stream produced`, () => producer!.confirmed >= part * TOTAL, { timeoutMs: 60_000, describe: describeRun });
      const began = Date.now();
      await broker.stop();
      producedAtStop.push(producer.confirmed);
      await broker.start();
      restartMs.push(Date.now() - began);
    }
    await producer.done;

    await waitFor('every message in the cloud', async () => (await delivered()) >= TOTAL, { timeoutMs: 90_000, describe: describeRun });
    await waitFor('every record confirmed by the sink', async () => {
      const sink = await sinkStatus();
      return sink !== undefined && sink.confirmed >= TOTAL && sink.queued + sink.unconfirmed === 0;
    }, { timeoutMs: 30_000, describe: async () => JSON.stringify(await sinkStatus()) });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a doubled record would arrive now
    watching = false;
    await watcher;

    // Source: the history oracle, exactly once per key.
    const history = await admin.history({ source: 'pos', stream: 'receipts', limit: 100_000 });
    const latest = await admin.latest({ source: 'pos', stream: 'receipts', limit: 100_000 });
    const report = checkHistory({
      captured: Array.from({ length: TOTAL }, (_, i) => ({ stream: 'receipts', key: { receipt_id: String(i) }, states: [{ op: 'upsert' as const, data: body(i) }] })),
      history,
      latest,
    });
    expect(report.ok, report.text).toBe(true);
    expect(report.keys).toBe(TOTAL);

    const sourceStatus = async () => (await status())?.sources.find((s) => s.name === 'pos');
    await waitFor('the source connected again', async () => (await sourceStatus())?.state === 'ok', { timeoutMs: 30_000, describe: async () => JSON.stringify(await sourceStatus()) });
    const source = (await sourceStatus())!;
    const sink = (await sinkStatus())!;
    const out = await drain(broker.url, OUT_QUEUE);
    const receipts = new Set([...out.bodies.values()].map((text) => (JSON.parse(text) as { key: { receipt_id: string } }).key.receipt_id));
    const missing = Array.from({ length: TOTAL }, (_, i) => String(i)).filter((id) => !receipts.has(id));
    const duplicates = [...out.ids.values()].reduce((sum, n) => sum + n - 1, 0);
    const poison = await drain(broker.url, POISON_QUEUE);
    console.log(
      `broker restarted twice (${restartMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} from stop to accepting again; ${producedAtStop.join(', ')} produced at the stops): ${TOTAL} messages; producer re-sent ${producer.resent} bursts; source dropped ${source.counters?.['redeliveriesDropped'] ?? 0} repeats; ` +
        `sink confirmed ${sink.confirmed}, republished ${sink.republished}, duplicates in the queue ${duplicates}; poison dead-lettered ${poison.ids.get('poison-1') ?? 0}`,
    );

    // Both stops came mid-stream, and the status said the broker was away and came back.
    expect(broker.restarts).toBe(2);
    expect(producedAtStop.every((n) => n < TOTAL), `produced when the node stopped: ${producedAtStop.join(', ')}`).toBe(true);
    expect([...seen.sourceErrorCodes].some((code) => code.startsWith('rabbitmq_')), `source error codes seen: ${[...seen.sourceErrorCodes].join(', ')}`).toBe(true);
    expect(source.state, JSON.stringify(source)).toBe('ok');
    expect(source.lastError?.code).toMatch(/^rabbitmq_/);
    expect(Date.parse(source.lastSuccessAt!)).toBeGreaterThan(Date.parse(source.lastError!.at));
    expect(source.counters?.['poisoned']).toBe(1);
    expect([...seen.sinkStates].some((state) => state === 'waiting' || state === 'connecting'), `sink states seen: ${[...seen.sinkStates].join(', ')}`).toBe(true);
    expect(sink.state).toBe('connected');
    expect(sink.lastError?.message).toMatch(/RabbitMQ sink "erp-bus"/);

    // Sink: the durable queue on the restarted broker holds every record at least once.
    expect(missing).toEqual([]);
    expect(out.ids.size).toBe(TOTAL);
    expect(sink.confirmed).toBe(TOTAL);
    expect(duplicates).toBeLessThanOrEqual(sink.republished);
    expect([...poison.ids.entries()]).toEqual([['poison-1', 1]]);
    expect(poison.headers.get('poison-1')?.['x-tya-source']).toBe('pos');
  });

  it('leaves no broker node and no data behind', async () => {
    const node = rabbit!;
    await node.dispose();
    expect(leakedNodes()).toEqual([]);
    expect(existsSync(node.dir)).toBe(false);
  });
});

/** Takes every message out of a queue: counts per message id, the first body and headers of each. */
async function drain(url: string, queue: string): Promise<{ ids: Map<string, number>; bodies: Map<string, string>; headers: Map<string, Record<string, unknown>> }> {
  const model: ChannelModel = await amqp.connect(url);
  try {
    const channel = await model.createChannel();
    const ids = new Map<string, number>();
    const bodies = new Map<string, string>();
    const headers = new Map<string, Record<string, unknown>>();
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) break;
      const id = String(message.properties.messageId);
      ids.set(id, (ids.get(id) ?? 0) + 1);
      if (!bodies.has(id)) {
        bodies.set(id, message.content.toString('utf8'));
        headers.set(id, message.properties.headers ?? {});
      }
    }
    return { ids, bodies, headers };
  } finally {
    await model.close().catch(() => undefined);
  }
}
