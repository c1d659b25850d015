/**
 * Stopping an agent whose source read hangs, with real processes: another program (the sqlite3
 * shell) holds the source file's exclusive lock with a row of its own not yet committed, so the
 * agent's next query waits inside the SQLite ODBC driver for its busy timeout (100 s), a native call
 * nothing can interrupt, and Node's exit would wait for. SIGTERM must still stop the agent within
 * seconds, cleanly (queue closed, control file removed, then ended by SIGTERM's default action, which
 * systemd counts as a clean stop), saying in its log that the read was left behind; the next run
 * reads the new row.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-stuck-read-'));
const agents: AgentProcess[] = [];
let db: ThrowawayDatabase | undefined;
let locker: ChildProcessWithoutNullStreams | undefined;

afterAll(async () => {
  if (locker?.stdin.writable) locker.stdin.end('COMMIT;\n');
  for (const agent of agents) await agent.kill('SIGKILL');
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('stopping an agent whose source read hangs', () => {
  it('exits cleanly within seconds and reads everything at the next start', async () => {
    db = createSqliteFile('stuck-read-stop');
    await db.exec(`CREATE TABLE items (item_id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three');`);
    const configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
      agent: { name: 'Stuck read', dataDir: 'data' },
      cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' },
      sources: [
        {
          type: 'odbc',
          name: 'erp',
          dialect: 'sqlite',
          // The driver's own 100 s busy wait (the dialect's default is 5 s, busy-timeout.sqlite.test.ts): a read
          // that hangs for as long as the other program holds the lock, which is what this test is about.
          connectionString: `${db.connectionString};Timeout=100000`,
          intervalSecs: 1,
          streams: [{ name: 'items', table: 'items', keyColumns: ['item_id'], cursorColumn: 'item_id' }],
        },
      ],
    });
    const controlFile = path.join(dir, 'data', 'control.json');

    const captured = async (): Promise<number | undefined> => {
      const status = await runCli(['status', '--json', '--config', configFile]);
      return status.stdout.trim() === '' ? undefined : (JSON.parse(status.stdout) as AgentStatus).sources[0]?.recordsCaptured;
    };

    const first = startAgentProcess(configFile);
    agents.push(first);
    await waitFor('the first three rows read', async () => existsSync(controlFile) && (await captured()) === 3, {
      timeoutMs: 60_000,
      intervalMs: 500,
      describe: () => first.output(),
    });
    locker = spawn('sqlite3', [db.name]);
    locker.stdin.write("BEGIN EXCLUSIVE;\nINSERT INTO items VALUES (4, 'four');\nSELECT 'locked';\n");
    const [answer] = (await once(locker.stdout, 'data')) as [Buffer];
    expect(String(answer).trim()).toBe('locked');
    // The source reads every second: its next query is now inside the driver's busy wait.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const stopping = Date.now();
    expect(await first.kill('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
    const took = Date.now() - stopping;
    expect(took, first.output()).toBeLessThan(30_000);
    expect(first.output()).toMatch(/Stopped\.\nA read the database never answered was still running; ending the process\./);
    expect(existsSync(controlFile)).toBe(false);
    const log = readFileSync(path.join(dir, 'data', 'logs', 'agent.log'), 'utf8');
    expect(log).toContain('"errorType":"read_left_running"');

    locker.stdin.end('COMMIT;\n');
    await once(locker, 'exit');
    const second = startAgentProcess(configFile);
    agents.push(second);
    await waitFor('row 4 read by the next run', async () => (await captured()) === 4, {
      timeoutMs: 60_000,
      intervalMs: 500,
      describe: () => second.output(),
    });
    expect(await second.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 180_000);
});
