/**
 * The RabbitMQ source as users run it (issue 14): a real `tya-agent run` consumes a queue through a
 * proxy that resets its broker connection twice mid-stream, is killed with SIGKILL half-way, and
 * started again; the sandbox's history must then hold every message's record exactly once (the
 * delivery-trust history oracle), none lost, none applied twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelModel } from 'amqplib';
import { BROKER, openBroker, rabbitSkipReason, uniqueName } from '../../agents/sources/rabbitmq/rabbitmq-test-kit.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { checkHistory } from '../helpers/history-oracle.ts';

const skipReason = await rabbitSkipReason();
const TOTAL = 3000;

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let broker: ChannelModel | undefined;
let proxy: FaultProxy | undefined;
let queue: string;
let configFile: string;
const agents: AgentProcess[] = [];

describe.skipIf(skipReason !== undefined)('RabbitMQ source → agent → cloud under connection resets and kill -9', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-rabbit-agent-'));
    sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
    admin = new SandboxAdmin(sandbox.url);
    broker = await openBroker();
    const channel = await broker.createConfirmChannel();
    queue = uniqueName('agent');
    await channel.assertQueue(queue, { durable: true });
    for (let i = 0; i < TOTAL; i += 1) {
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ receipt_id: String(i), total: `${i}.25`, note: `Kassa ${i % 7} – €` })), { messageId: `m-${i}`, persistent: true });
    }
    await channel.waitForConfirms();
    await channel.close();
    // The first two broker connections are reset mid-stream; later ones pass untouched.
    proxy = await startFaultProxy({ target: { host: BROKER.host, port: BROKER.port } });
    proxy.setPlan((i) => (i === 0 ? { type: 'reset-response', afterBytes: 60_000 } : i === 1 ? { type: 'reset-response', afterBytes: 150_000 } : { type: 'none' }));
    configFile = path.join(dir, 'agent.json');
    writeAgentConfig(configFile, {
      agent: { name: 'Broker', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
      sources: [{ type: 'rabbitmq', name: 'pos', url: `amqp://${BROKER.user}@127.0.0.1:${proxy.port}`, password: { secretRef: 'pos/broker' },
        queue, stream: 'receipts', key: ['receipt_id'], prefetch: 100, pageRows: 50 }],
    });
    const secret = await runCli(['secret', 'set', 'pos/broker', '--config', configFile], { input: `${BROKER.password}\n` });
    expect(secret.code, secret.stderr).toBe(0);
    const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const agent of agents) await agent.kill('SIGKILL');
    await runCli(['secret', 'delete', 'pos/broker', '--config', configFile]).catch(() => undefined);
    if (broker !== undefined) {
      const channel = await broker.createChannel();
      await channel.deleteQueue(queue).catch(() => undefined);
      await broker.close().catch(() => undefined);
    }
    await proxy?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every message is in the cloud exactly once', async () => {
    const delivered = async () => (await admin.counts()).streams.find((s) => s.source === 'pos' && s.stream === 'receipts')?.records ?? 0;
    const first = startAgentProcess(configFile);
    agents.push(first);
    await waitFor('a third of the messages in the cloud', async () => (await delivered()) >= TOTAL / 3, { describe: () => first.output(), timeoutMs: 120_000 });
    await first.kill('SIGKILL');
    const second = startAgentProcess(configFile);
    agents.push(second);
    await waitFor('every message in the cloud', async () => (await delivered()) >= TOTAL, { describe: () => second.output(), timeoutMs: 180_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a doubled record would arrive now
    expect(proxy!.stats().connections).toBeGreaterThanOrEqual(3); // both resets happened, and the kill
    const history = await admin.history({ source: 'pos', stream: 'receipts', limit: 100_000 });
    const latest = await admin.latest({ source: 'pos', stream: 'receipts', limit: 100_000 });
    const report = checkHistory({
      captured: Array.from({ length: TOTAL }, (_, i) => ({
        stream: 'receipts',
        key: { receipt_id: String(i) },
        states: [{ op: 'upsert' as const, data: { receipt_id: String(i), total: `${i}.25`, note: `Kassa ${i % 7} – €` } }],
      })),
      history,
      latest,
    });
    expect(report.ok, report.text).toBe(true);
    expect(report.keys).toBe(TOTAL);
  });
});
