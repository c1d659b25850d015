/**
 * One agent per data folder (issue 9, item 2), with real processes: a second `run` exits at once
 * naming the first one's pid and how to reach it, and leaves its control file alone; one-shot
 * commands go through the running agent; after kill -9 of the holder the next `run` takes over.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
const agents: AgentProcess[] = [];

const controlFile = () => path.join(dir, 'data', 'control.json');
const readControl = (): { pid: number; token: string; port: number } | null => {
  try {
    return JSON.parse(readFileSync(controlFile(), 'utf8')) as { pid: number; token: string; port: number };
  } catch {
    return null;
  }
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-one-agent-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  db = createSqliteFile('one-agent');
  await db.exec(`CREATE TABLE items (item_id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    ${Array.from({ length: 12 }, (_, i) => `INSERT INTO items VALUES (${i + 1}, 'Item ${i + 1}');`).join('\n')}`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'One agent', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1' },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect: 'sqlite',
        connectionString: db.connectionString,
        intervalSecs: 1,
        streams: [{ name: 'items', table: 'items', keyColumns: ['item_id'], cursorColumn: 'item_id' }],
      },
    ],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
});

afterAll(async () => {
  for (const agent of agents) await agent.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function startRun(): AgentProcess {
  const agent = startAgentProcess(configFile);
  agents.push(agent);
  return agent;
}

describe('one agent per data folder', () => {
  it('refuses a second run at once with the pid, keeps the first one\'s control file; one-shots go through the first', async () => {
    const first = startRun();
    await waitFor('the first agent to publish its control API', () => readControl()?.pid === first.child.pid, {
      describe: () => first.output(),
    });
    const before = readFileSync(controlFile(), 'utf8');

    const started = Date.now();
    const second = await runCli(['run', '--config', configFile], { timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(second.code, second.stderr).toBe(9);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    // main.ts restarted `run` in the same process with lean allocator settings (lean-heap.ts).
    expect(readFileSync(`/proc/${first.child.pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');
    expect(second.stderr).toContain(`http://127.0.0.1:${readControl()!.port}`);
    expect(second.stderr).toMatch(/What to do:.*tya-agent status/);
    expect(readFileSync(controlFile(), 'utf8')).toBe(before);

    const status = await runCli(['status', '--json', '--config', configFile]);
    expect((JSON.parse(status.stdout) as AgentStatus).agent.pid).toBe(first.child.pid);
    const sync = await runCli(['sync', '--config', configFile]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toContain(`running agent (pid ${first.child.pid})`);
    const dlq = await runCli(['dlq', 'list', '--config', configFile]);
    expect(dlq.code, dlq.stderr).toBe(0);
    await waitFor('the 12 items in the sandbox', async () => (await admin.counts()).recordsAccepted === 12);

    // kill -9: no clean-up runs, the lock goes with the process; the next run takes over.
    await first.kill('SIGKILL');
    const third = startRun();
    await waitFor('the new agent to publish its control API', () => readControl()?.pid === third.child.pid, {
      describe: () => third.output(),
    });
    const after = await runCli(['status', '--json', '--config', configFile]);
    expect((JSON.parse(after.stdout) as AgentStatus).agent.pid).toBe(third.child.pid);
    expect(third.output()).not.toMatch(/in use by/);
    expect(await third.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(readControl()).toBeNull();

    // The agents' log lines name each key once (it was "component":"control","component":"control").
    const log = readFileSync(path.join(dir, 'data', 'logs', 'agent.log'), 'utf8').trim().split('\n');
    expect(log.some((line) => line.includes('"component":"control"'))).toBe(true);
    for (const line of log) {
      const keys = [...line.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
  }, 180_000);

  it('runs one-shot commands on their own when no agent runs', async () => {
    const sync = await runCli(['sync', '--config', configFile]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/Up to date/);
    const status = await runCli(['status', '--config', configFile]);
    expect(status.code).toBe(8);
    expect(status.stdout).toMatch(/NOT RUNNING/);
  }, 180_000);
});
