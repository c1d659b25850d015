/**
 * What a person sees of a sink: `tya-agent sink list` (the real CLI, reading the outbox file) and the
 * control API's GET /sinks route, from a real outbox whose sink queue holds waiting, unconfirmed and
 * confirmed records.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { AgentConfig } from '../api/index.ts';
import { AgentConfigSchema } from '../api/index.ts';
import { sinkRoutes } from '../control/v1/sink-routes.ts';
import type { DashboardPort } from '../control/dashboard-port.ts';
import { dataDirLayout } from '../engine/data-dir.ts';
import { Outbox } from '../outbox/index.ts';
import { systemClock } from '../pipeline/clock.ts';
import { routesOf } from './sink-part.ts';
import { receipts } from './rabbitmq/rabbitmq-sink-test-kit.ts';

const main = path.resolve(import.meta.dirname, '../cli/main.ts');
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('sink list and GET /sinks show queued, unconfirmed, confirmed, republished and the last error', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-sink-cli-'));
  const raw = {
    agent: { name: 'sink-cli', dataDir: dir },
    cloud: { url: 'http://127.0.0.1:9', entity: 'store-7' },
    sinks: [{ type: 'rabbitmq', name: 'mq', url: 'amqp://tya@127.0.0.1:5672', exchange: 'pos-events', streams: [{ source: 'pos', stream: 'receipts' }] }],
  };
  const file = path.join(dir, 'agent.json');
  writeFileSync(file, JSON.stringify(raw));
  const config: AgentConfig = AgentConfigSchema.parse(raw);
  const layout = dataDirLayout(dir);
  const outbox = Outbox.open({ path: layout.outbox, maxBytes: 64 * 1024 * 1024, synchronous: 'FULL', clock: systemClock });
  try {
    outbox.sinks.setRoutes(routesOf(config.sinks ?? []));
    outbox.enqueue({ source: 'pos', stream: 'receipts', lane: 'bulk', records: receipts(0, 5), checkpoint: 5 });
    const [a, b, c] = outbox.sinks.next('mq', 0, 3);
    outbox.sinks.markPublishing('mq', [a!, b!, c!]);
    outbox.sinks.confirm('mq', [a!.id]);
    // b was published before and is published again (a reconnect): one republish.
    expect(outbox.sinks.markPublishing('mq', outbox.sinks.next('mq', a!.id, 1))).toBe(1);
    outbox.sinks.setState('mq', 'waiting', 'RabbitMQ sink "mq": connect ECONNREFUSED 127.0.0.1:5672');
    const expected = { name: 'mq', type: 'rabbitmq', exchange: 'pos-events', state: 'waiting', queued: 2, unconfirmed: 2, confirmed: 1, republished: 1 };
    const port = { sinks: () => outbox.sinks.status(config.sinks ?? []) } as unknown as DashboardPort;
    const route = sinkRoutes(port)[0]!;
    expect([route.method, route.path, route.role]).toEqual(['GET', '/sinks', 'viewer']);
    const answer = route.output.parse(await route.run({ params: {}, input: {}, caller: { principal: { role: 'viewer' }, csrfToken: null } } as never)) as unknown[];
    expect(answer).toEqual([{ ...expected, lastError: { at: expect.any(String) as unknown, message: expect.stringContaining('ECONNREFUSED') as unknown }, lastConfirmedAt: expect.any(String) as unknown }]);

    const json = JSON.parse(execFileSync('node', [main, 'sink', 'list', '--json', '-c', file], { encoding: 'utf8' })) as unknown[];
    expect(json).toEqual(answer);
    const text = execFileSync('node', [main, 'sink', 'list', '-c', file], { encoding: 'utf8' });
    expect(text).toContain('mq (rabbitmq → exchange pos-events): waiting');
    expect(text).toContain('queued 2, published and unconfirmed 2, confirmed 1, republished 1');
    expect(text).toContain('ECONNREFUSED');
  } finally {
    outbox.close();
  }
}, 60_000);
