/**
 * Write-back into a RabbitMQ exchange (the real broker, the sandbox cloud): each item is published
 * once, persistent, with the item id as the message id and its mapped fields; a kill -9 between the
 * publish and the broker's confirm leaves the item `pending` / `outcome_unknown` and it is never
 * published again by the agent itself.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WritebackResult } from '../../agents/api/writeback.ts';
import { openBroker, rabbitSkipReason, uniqueName } from '../../agents/sources/rabbitmq/rabbitmq-test-kit.ts';
import { startTestSandbox, TestAgent, type TestSandbox } from '../../sandbox/sandbox-test-kit.ts';
import { REPO_ROOT } from '../helpers/agent-process.ts';
import type { WritebackChildInput } from '../helpers/writeback-child.ts';
import { writebackConfig } from '../helpers/writeback-kit.ts';

const skipReason = await rabbitSkipReason();

function runChild(input: WritebackChildInput, killAt?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'test/helpers/writeback-child.ts')], {
      env: { ...process.env, TYA_WB_CHILD: JSON.stringify(input), ...(killAt === undefined ? {} : { TYA_FAULT_KILL_AT: killAt }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe.skipIf(skipReason !== undefined)('write-back into RabbitMQ (real broker)', () => {
  let t: TestSandbox;
  let broker: ChannelModel;
  beforeAll(async () => {
    t = await startTestSandbox();
    broker = await openBroker();
  });
  afterAll(async () => {
    await broker.close().catch(() => undefined);
    await t.cleanup();
  });

  it('publishes each item once with its id as message id; a kill before the confirm is outcome_unknown, not republished', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const agentId = agent.credentials.agentId;
    const exchange = uniqueName('wb');
    const queue = uniqueName('wbq');
    const admin = await broker.createChannel();
    await admin.assertExchange(exchange, 'direct', { durable: false });
    await admin.assertQueue(queue, { durable: false });
    await admin.bindQueue(queue, exchange, 'gl');
    const seen = new Map<string, number>();
    const bodies = new Map<string, { data: Record<string, string>; persistent: boolean }>();
    await admin.consume(queue, (message) => {
      if (message === null) return;
      const id = String(message.properties.messageId);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const body = JSON.parse(message.content.toString('utf8')) as { data: Record<string, string> };
      bodies.set(id, { data: body.data, persistent: message.properties.deliveryMode === 2 });
    }, { noAck: true });

    const target = { name: 'gl', type: 'rabbitmq', url: 'amqp://guest@127.0.0.1:5672', password: { secretRef: 'test/rabbit' }, exchange, columns: { id: 'account', name: 'title' }, policy: 'cloud-wins' };
    const config = writebackConfig('sqlite', 'Driver={SQLite3};Database=/nonexistent', [target]);
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      ids.push((await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: `k${i}` }, data: { id: `k${i}`, name: `n${i}` } })).id);
    }
    const input: WritebackChildInput = {
      url: t.sandbox.url, credentials: agent.credentials, config, cloudKey: (await t.admin.cloudKey()).cloudKey, dataDir: mkdtempSync(join(tmpdir(), 'tya-wb-rmq-')),
    };
    // Killed after publishing the second item, before the broker's confirm.
    const killed = await runChild(input, 'writeback.before-commit:2');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const clean = await runChild(input);
    expect(clean.code, clean.stderr).toBe(0);
    const again = await runChild(input); // a later pass publishes nothing more
    expect(again.code, again.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const results = new Map<string, WritebackResult>();
    for (const r of await t.admin.writebackResults(agentId)) results.set(r.id, r);
    const interrupted = ids[1]!;
    expect(results.get(interrupted)).toMatchObject({ status: 'pending', resolution: 'outcome_unknown' });
    const applied = ids.filter((id) => id !== interrupted);
    for (const id of applied) {
      expect(results.get(id)?.status).toBe('applied');
      expect(seen.get(id)).toBe(1); // once, never doubled
      expect(bodies.get(id)?.persistent).toBe(true);
    }
    expect(bodies.get(ids[0]!)?.data).toEqual({ account: 'k1', title: 'n1' });
    // The interrupted one: published at most once (its bytes may or may not have left before the kill), never again.
    expect(seen.get(interrupted) ?? 0).toBeLessThanOrEqual(1);
    expect([...seen.keys()].every((id) => ids.includes(id))).toBe(true);
    await admin.deleteQueue(queue);
    await admin.deleteExchange(exchange);
  }, 120_000);
});
