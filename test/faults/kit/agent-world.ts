/**
 * The real-process rig: a POS database (SQLite, written by the test, read by the agent over ODBC),
 * the sandbox cloud, the fault proxy between them, and `tya-agent run` as its own process with its
 * config, enrollment and data dir. What the scenarios need from it: restart the proxy with a plan,
 * read status as an admin would, read the agent's own log, and reconcile every POS stream.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { AgentStatusSchema, type AgentConfigInput, type AgentStatus } from '../../../agents/api/index.ts';
import { PosActivity, type PosDatabaseOptions } from '../../../agents/cli/demo/pos-database.ts';
import { POS_STREAMS } from '../../../agents/cli/demo/pos-schema.ts';
import { SandboxAdmin } from '../../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../../sandbox/server.ts';
import {
  runCli,
  startAgentProcess,
  waitFor,
  writeAgentConfig,
  type AgentProcess,
} from '../../helpers/agent-process.ts';
import { startFaultProxy, type FaultPlan, type FaultProxy } from '../../helpers/fault-proxy.ts';
import { sqliteRowsAsText } from '../../helpers/pos-rows.ts';
import type { SourceRow } from '../../helpers/reconcile.ts';
import { reconcileWithCloud, type ExactlyOnceReport } from './exactly-once.ts';

export const POS_SOURCE = 'pos-db';

type CloudConfigInput = AgentConfigInput['cloud'];

/** One line of the agent's JSON log. */
export interface LogLine {
  level: number;
  msg: string;
  errorType?: string;
  waitMs?: number;
  [field: string]: unknown;
}

export interface AgentWorld {
  dir: string;
  dataDir: string;
  outboxPath: string;
  configFile: string;
  sandbox: Sandbox;
  admin: SandboxAdmin;
  pos: PosActivity;
  /** The proxy now listening; throws while it is down. */
  proxy(): FaultProxy;
  /** Stops the proxy (every connection through it dies) and listens again on the same port with `plan`. */
  restartProxy(plan?: FaultPlan): Promise<FaultProxy>;
  /** Nothing listens on the cloud's port: connection refused. */
  proxyDown(): Promise<void>;
  start(env?: NodeJS.ProcessEnv): AgentProcess;
  enroll(): Promise<void>;
  status(): Promise<AgentStatus>;
  /** `tya-agent status` in words, as an admin reads it. */
  statusText(): Promise<string>;
  /** The agent's log lines from `fromLine` on (the file is shared by every run of this world). */
  log(fromLine?: number): LogLine[];
  sourceRows(): SourceRow[];
  /** Waits until the cloud holds as many rows per stream as the POS database and the queue is empty. */
  waitDelivered(agent: AgentProcess, timeoutMs?: number): Promise<void>;
  reconcile(scenario: string): Promise<ExactlyOnceReport>;
  close(): Promise<void>;
}

export async function startAgentWorld(options: {
  label: string;
  seed: number;
  cloud?: Partial<CloudConfigInput>;
  pos?: Partial<PosDatabaseOptions>;
  /** Without the proxy the agent talks to the sandbox directly. */
  viaProxy?: boolean;
}): Promise<AgentWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tya-${options.label}-`));
  const sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'cloud.sqlite') });
  const admin = new SandboxAdmin(sandbox.url);
  const target = { host: '127.0.0.1', port: Number(new URL(sandbox.url).port) };
  const viaProxy = options.viaProxy ?? true;
  let proxy: FaultProxy | null = viaProxy ? await startFaultProxy({ target, seed: options.seed }) : null;
  const port = proxy?.port;
  const cloudUrl = proxy?.url() ?? sandbox.url;
  const pos = PosActivity.create(path.join(dir, 'pos.db'), {
    seed: options.seed,
    stores: 1,
    registersPerStore: 2,
    closedShiftsPerRegister: 1,
    receiptsPerShift: 5,
    ...options.pos,
  });
  const dataDir = path.join(dir, 'data');
  const configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: `Fault scenario ${options.label}`, dataDir: 'data' },
    cloud: {
      url: cloudUrl,
      entity: 'store-1',
      batchMaxRecords: 10,
      batchMaxAgeMs: 0,
      retryBaseMs: 100,
      retryMaxMs: 1000,
      timeoutMs: 5_000,
      heartbeatIntervalSecs: 3600,
      ...options.cloud,
    },
    sources: [
      {
        type: 'odbc',
        name: POS_SOURCE,
        dialect: 'sqlite',
        connectionString: `Driver={SQLite3};Database=${pos.path};Timeout=5000`,
        intervalSecs: 1,
        streams: POS_STREAMS.map((s) => ({ ...s, keyColumns: [...s.keyColumns], pageRows: 10 })),
      },
    ],
  });
  const cli = async (args: string[], input?: string) =>
    runCli([...args, '--config', configFile], input === undefined ? {} : { input });
  const sourceRows = () => POS_STREAMS.flatMap((s) => sqliteRowsAsText(pos.path, s.table, s.name, s.keyColumns));
  const status = async () => {
    const result = await cli(['status', '--json']);
    return AgentStatusSchema.parse(JSON.parse(result.stdout));
  };

  const world: AgentWorld = {
    dir,
    dataDir,
    outboxPath: path.join(dataDir, 'outbox.db'),
    configFile,
    sandbox,
    admin,
    pos,
    proxy: () => {
      if (proxy === null) throw new Error('The proxy is down.');
      return proxy;
    },
    restartProxy: async (plan) => {
      if (!viaProxy) throw new Error('This world has no proxy.');
      await proxy?.close();
      proxy = null;
      proxy = await startFaultProxy({ target, listenPort: port, seed: options.seed, ...(plan ? { plan } : {}) });
      return proxy;
    },
    proxyDown: async () => {
      await proxy?.close();
      proxy = null;
    },
    start: (env = {}) => startAgentProcess(configFile, env),
    enroll: async () => {
      const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
      const enrolled = await cli(['enroll', '--url', cloudUrl, '--key', '-'], key);
      expect(enrolled.code, enrolled.stderr + enrolled.stdout).toBe(0);
    },
    status,
    statusText: async () => (await cli(['status'])).stdout,
    log: (fromLine = 0) => {
      let text: string;
      try {
        text = readFileSync(path.join(dataDir, 'logs', 'agent.log'), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .slice(fromLine)
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine);
    },
    sourceRows,
    waitDelivered: async (agent, timeoutMs = 60_000) => {
      const expected = new Map<string, number>();
      for (const row of sourceRows()) expected.set(row.stream, (expected.get(row.stream) ?? 0) + 1);
      await waitFor(
        'every POS row in the cloud',
        async () => {
          const counts = await admin.counts();
          return [...expected].every(
            ([stream, n]) =>
              (counts.streams.find((s) => s.source === POS_SOURCE && s.stream === stream)?.records ?? 0) >= n,
          );
        },
        { timeoutMs, intervalMs: 200, describe: () => agent.output().slice(-3000) },
      );
      await waitFor('an empty queue', async () => (await status()).queue.depth === 0, {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
    },
    reconcile: (scenario) => reconcileWithCloud(scenario, admin, POS_SOURCE, sourceRows()),
    close: async () => {
      pos.close();
      await proxy?.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}
