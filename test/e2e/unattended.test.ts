/**
 * Issue 16 item 8 with a real agent process: alerts reach a webhook once (not again after a restart,
 * "resolved" when they clear), and `GET /metrics` on loopback shows the figures `status` shows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { PosActivity } from '../../agents/cli/demo/pos-database.ts';
import { POS_STREAMS } from '../../agents/cli/demo/pos-schema.ts';
import { AgentStatusSchema, type AgentStatus } from '../../agents/api/index.ts';
import type { AlertNotice } from '../../agents/engine/notify/channels.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let pos: PosActivity;
let configFile: string;
let agent: AgentProcess | null = null;
let hook: Server;
const received: AlertNotice[] = [];
let metricsPort: number;

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return AgentStatusSchema.parse(JSON.parse(result.stdout));
}

async function scrape(): Promise<string | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

/** The value of one sample line, e.g. `tya_queue_depth` or `tya_alert{code="x",severity="warning"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-unattended-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  pos = PosActivity.create(path.join(dir, 'pos.db'), { seed: 3, stores: 1, registersPerStore: 1, closedShiftsPerRegister: 2, receiptsPerShift: 20 });
  hook = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body) as AlertNotice);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  metricsPort = await freePort();
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'unattended-test', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', retryBaseMs: 100, retryMaxMs: 400 },
    notify: { webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts` } },
    metrics: { port: metricsPort },
    sources: [
      {
        type: 'odbc',
        name: 'pos-db',
        dialect: 'sqlite',
        connectionString: `Driver={SQLite3};Database=${pos.path};Timeout=5000`,
        intervalSecs: 1,
        streams: POS_STREAMS.map((s) => ({ ...s, keyColumns: [...s.keyColumns] })),
      },
    ],
  });
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  pos?.close();
  hook?.closeAllConnections();
  hook?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an agent nobody watches', () => {
  it('sends an alert once across a restart, "resolved" when it clears, and serves /metrics that match status', async () => {
    // Not enrolled: the agent raises not_enrolled; the webhook hears it once.
    agent = startAgentProcess(configFile);
    await waitFor('the not_enrolled webhook', () => received.some((n) => n.code === 'not_enrolled'), {
      describe: () => JSON.stringify(received) + agent!.output().slice(-1500),
    });
    const firstScrape = (await scrape()) ?? '';
    expect(sample(firstScrape, 'tya_alert{code="not_enrolled",severity="warning"}')).toBe(1);
    await agent.kill('SIGTERM');

    // A restart, still not enrolled: nothing is sent again.
    agent = startAgentProcess(configFile);
    await waitFor('the metrics endpoint after the restart', async () => (await scrape()) !== null, {
      describe: () => agent!.output().slice(-1500),
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received.filter((n) => n.code === 'not_enrolled').map((n) => n.state)).toEqual(['raised']);
    await agent.kill('SIGTERM');

    // Enrolled: the alert clears and the webhook hears "resolved".
    const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
    expect((await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key })).code).toBe(0);
    agent = startAgentProcess(configFile);
    await waitFor('the resolved webhook', () => received.some((n) => n.code === 'not_enrolled' && n.state === 'resolved'), {
      describe: () => JSON.stringify(received) + agent!.output().slice(-1500),
    });

    // Everything delivered and settled, then the scrape must show what status shows.
    let settled: AgentStatus | null = null;
    await waitFor('the queue to drain', async () => {
      const now = await status();
      const same = settled !== null && settled.queue.delivered === now.queue.delivered;
      settled = now;
      return now.queue.depth === 0 && now.queue.delivered > 0 && same;
    }, { timeoutMs: 60_000, intervalMs: 1500, describe: () => JSON.stringify(settled?.queue) });
    const text = (await scrape()) ?? '';
    const after = await status();
    expect(after.queue.delivered).toBe(settled!.queue.delivered);
    expect(sample(text, 'tya_queue_depth')).toBe(0);
    expect(sample(text, 'tya_delivered_records_total')).toBe(after.queue.delivered);
    for (const row of after.queue.streams ?? []) {
      expect(sample(text, `tya_delivered_records_by_stream_total{source="${row.source}",stream="${row.stream}"}`), row.stream).toBe(row.delivered);
    }
    const source = after.sources.find((s) => s.name === 'pos-db')!;
    expect(sample(text, 'tya_source_records_captured_total{source="pos-db"}')).toBe(source.recordsCaptured);
    expect(sample(text, 'tya_source_lag_seconds{source="pos-db"}')).toBeLessThan(30);
    expect(sample(text, 'tya_cloud_reachable')).toBe(1);
    const batches = (sample(text, 'tya_delivered_batches_total{lane="urgent"}') ?? 0) + (sample(text, 'tya_delivered_batches_total{lane="bulk"}') ?? 0);
    expect(batches).toBeGreaterThan(0);
    const timed = (sample(text, 'tya_delivery_request_seconds_count{lane="urgent"}') ?? 0) + (sample(text, 'tya_delivery_request_seconds_count{lane="bulk"}') ?? 0);
    const aged = (sample(text, 'tya_delivery_latency_seconds_count{lane="urgent"}') ?? 0) + (sample(text, 'tya_delivery_latency_seconds_count{lane="bulk"}') ?? 0);
    expect([timed, aged]).toEqual([batches, batches]);
    expect(text).not.toContain('tya_alert{code="not_enrolled"');
    console.log(`metrics matched status: delivered ${after.queue.delivered} records in ${batches} batches, captured ${source.recordsCaptured}, streams ${after.queue.streams?.length ?? 0}`);
  }, 180_000);
});
