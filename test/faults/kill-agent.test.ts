/**
 * kill -9 of a real agent process at seeded points across the whole path, then a clean restart:
 * the cloud must hold every source row exactly once in effect (0 lost, 0 duplicate effects).
 * Points: inside capture before the enqueue commit, after the commit before the ack, before a request,
 * in the middle of a request (held by the fault proxy), after the cloud committed but before its
 * response reached the agent, and after the response arrived but before the outbox recorded it.
 * The seed is printed so a failure can be replayed: TYA_KILL_SEED=<seed> TYA_KILL_ITERATIONS=<n>.
 * CI runs 100 kills (issue 5); the long mode (TYA_LONG=1, `npm run test:faults:long`) runs 1,000, and
 * TYA_KILL_SEED=random picks a fresh seed (printed) to explore new paths.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { PosActivity } from '../../agents/cli/demo/pos-database.ts';
import { POS_STREAMS } from '../../agents/cli/demo/pos-schema.ts';
import { between, pick } from '../../agents/cli/demo/random.ts';
import { seededRandom } from '../../agents/pipeline/seeded-random.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { describeReconciliation, reconcile } from '../helpers/reconcile.ts';
import { sqliteRowsAsText } from '../helpers/pos-rows.ts';

const LONG = process.env.TYA_LONG === '1';
const SEED =
  process.env.TYA_KILL_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.TYA_KILL_SEED ?? 20261129);
const ITERATIONS = Number(process.env.TYA_KILL_ITERATIONS ?? (LONG ? 1000 : 100));
/** About a second per kill here; generous so a loaded machine does not fail the long run. */
const TEST_TIMEOUT_MS = Math.max(600_000, ITERATIONS * 6_000);
const DRAIN_TIMEOUT_MS = Math.max(60_000, ITERATIONS * 300);

type SelfKillPoint = 'capture.before-commit' | 'capture.after-commit' | 'delivery.before-request' | 'delivery.after-response';
type KillPoint = SelfKillPoint | 'mid-request' | 'after-cloud-commit';
const SELF_KILL_POINTS: readonly string[] = ['capture.before-commit', 'capture.after-commit', 'delivery.before-request', 'delivery.after-response'];
const POINTS: readonly KillPoint[] = [
  'capture.before-commit',
  'capture.after-commit',
  'delivery.before-request',
  'mid-request',
  'after-cloud-commit',
  'delivery.after-response',
];

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let proxy: FaultProxy;
let pos: PosActivity;
let configFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-kill-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-kill-cloud-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: Number(new URL(sandbox.url).port) } });
  pos = PosActivity.create(path.join(dir, 'pos.db'), { seed: SEED, stores: 1, registersPerStore: 2, closedShiftsPerRegister: 1, receiptsPerShift: 5 });
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Kill test', dataDir: 'data' },
    // Small batches and pages: many commits and requests, so every point is reached often.
    cloud: { url: proxy.url(), entity: 'store-1', batchMaxRecords: 6, batchMaxAgeMs: 0, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 10_000, heartbeatIntervalSecs: 3600 },
    sources: [
      {
        type: 'odbc',
        name: 'pos-db',
        dialect: 'sqlite',
        connectionString: `Driver={SQLite3};Database=${pos.path};Timeout=5000`,
        intervalSecs: 1,
        streams: POS_STREAMS.map((s) => ({ ...s, keyColumns: [...s.keyColumns], pageRows: 5 })),
      },
    ],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
  const enrolled = await runCli(['enroll', '--url', proxy.url(), '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
});

afterAll(async () => {
  pos?.close();
  await proxy?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

async function appliedSoFar(): Promise<number> {
  const counts = await admin.counts();
  return counts.recordsAccepted + counts.duplicates;
}

/** Runs the agent until it is killed at `point`; returns how it died. */
async function killAt(point: KillPoint, hit: number): Promise<'self' | 'external' | 'late'> {
  let agent: AgentProcess;
  if (SELF_KILL_POINTS.includes(point)) {
    agent = startAgentProcess(configFile, { TYA_FAULT_KILL_AT: `${point}:${hit}` });
    const died = await Promise.race([agent.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 8000))]);
    if (died !== null) {
      expect(died.signal, agent.output()).toBe('SIGKILL');
      return 'self';
    }
    await agent.kill('SIGKILL');
    return 'late';
  }
  if (point === 'mid-request') {
    // Requests crawl through the proxy: the agent is killed while one is on the wire.
    proxy.setFault({ type: 'latency', ms: 1500 });
    const before = proxy.stats().bytesUp;
    agent = startAgentProcess(configFile);
    await waitFor('a request on the wire', () => proxy.stats().bytesUp > before, { timeoutMs: 15_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200 * hit));
    await agent.kill('SIGKILL');
    proxy.clear();
    return 'external';
  }
  // after-cloud-commit: the sandbox applies a batch, commits, then holds the answer back.
  await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', delayAfterCommitMs: 5000, times: 1 });
  const before = await appliedSoFar();
  agent = startAgentProcess(configFile);
  await waitFor('the cloud to commit a batch', async () => (await appliedSoFar()) > before, { timeoutMs: 15_000 }).catch(() => undefined);
  await agent.kill('SIGKILL');
  await admin.clearFaults();
  return 'external';
}

describe(`kill -9 at ${ITERATIONS} seeded points (seed ${SEED})`, () => {
  it('loses nothing and doubles nothing', async () => {
    process.stdout.write(`kill test seed: ${SEED} (replay with TYA_KILL_SEED=${SEED} TYA_KILL_ITERATIONS=${ITERATIONS})\n`);
    const random = seededRandom(SEED);
    const kills: Record<string, number> = {};
    for (let i = 0; i < ITERATIONS; i += 1) {
      // New work for each round: receipts (with lines and payments), sometimes a shift close.
      pos.addReceipts(between(random, 2, 6));
      if (random() < 0.3) {
        const register = pick(random, pos.registerIds());
        pos.closeShift(register);
        pos.openShift(register);
      }
      const point = POINTS[i % POINTS.length]!;
      const how = await killAt(point, between(random, 1, 2));
      kills[`${point} (${how})`] = (kills[`${point} (${how})`] ?? 0) + 1;
      if (LONG && (i + 1) % 50 === 0) process.stdout.write(`kill ${i + 1}/${ITERATIONS} (seed ${SEED})\n`);
    }
    process.stdout.write(`kills: ${JSON.stringify(kills)}\n`);

    // Restart cleanly and let it finish.
    const agent = startAgentProcess(configFile);
    try {
      for (const stream of POS_STREAMS) {
        const expected = sqliteRowsAsText(pos.path, stream.table, stream.name, stream.keyColumns).length;
        await waitFor(`all ${expected} ${stream.name}`, async () => {
          const counts = await admin.counts();
          return (counts.streams.find((s) => s.stream === stream.name)?.records ?? 0) >= expected;
        }, { timeoutMs: DRAIN_TIMEOUT_MS, describe: () => agent.output().slice(-2000) });
      }
      await waitFor('an empty queue', async () => {
        const status = await runCli(['status', '--json', '--config', configFile]);
        return status.code === 0 && (JSON.parse(status.stdout) as { queue: { depth: number } }).queue.depth === 0;
      }, { timeoutMs: 30_000 });
    } finally {
      await agent.kill('SIGTERM');
    }

    for (const stream of POS_STREAMS) {
      const rows = sqliteRowsAsText(pos.path, stream.table, stream.name, stream.keyColumns);
      const result = reconcile(rows, await admin.records({ source: 'pos-db', stream: stream.name }));
      process.stdout.write(`${stream.name}: ${describeReconciliation(result)}\n`);
      expect(result.lost, describeReconciliation(result)).toEqual([]);
      expect(result.wrongContent, describeReconciliation(result)).toEqual([]);
      expect(result.duplicateEffects, describeReconciliation(result)).toEqual([]);
      expect(result.unexpected).toEqual([]);
    }
    const counts = await admin.counts();
    process.stdout.write(`cloud: ${counts.recordsAccepted} applied, ${counts.duplicates} duplicates ignored, ${counts.retransmissions} retransmitted batches\n`);
    // The scenarios really happened: most rounds killed at their point, and redelivery occurred.
    const selfKills = Object.entries(kills).filter(([k]) => k.endsWith('(self)')).reduce((n, [, v]) => n + v, 0);
    expect(selfKills).toBeGreaterThanOrEqual(Math.floor(ITERATIONS / 4));
    expect(counts.duplicates + counts.retransmissions).toBeGreaterThan(0);
  }, TEST_TIMEOUT_MS);
});
