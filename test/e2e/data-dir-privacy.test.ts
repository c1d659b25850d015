/**
 * Files on disk (issue 12 item 8): the queue, the log and the lock are readable by the agent's user
 * only; an existing data folder that others can read is reported by `doctor` and made private at
 * the next start, with a line in the log saying so.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startAgentProcess, waitFor, writeAgentConfig } from '../helpers/agent-process.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-private-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function modes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (target: string) => {
    out[path.relative(root, target) || '.'] = (statSync(target).mode & 0o777).toString(8);
    if (statSync(target).isDirectory()) for (const name of readdirSync(target)) visit(path.join(target, name));
  };
  visit(root);
  return out;
}

describe.skipIf(process.platform === 'win32')('the data folder is private', () => {
  it('doctor reports a 0755 folder; the next start makes it and every file in it private, and logs that it did', async () => {
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'notes.txt'), 'left by a person', { mode: 0o644 });
    chmodSync(path.join(dataDir, 'notes.txt'), 0o644);
    const configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
      agent: { name: 'Private', dataDir: 'data' },
      cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' },
      sources: [],
    });

    const doctor = await runCli(['doctor', '--config', configFile]);
    expect(doctor.stdout).toMatch(/Other users of this machine can read 2 paths in the data dir/);
    expect(doctor.stdout).toMatch(/data \(folder, mode 0755\)/);
    expect(doctor.stdout).toMatch(/notes\.txt \(file, mode 0644\)/);

    // A one-shot sync opens the data dir as the service does (it ends "not enrolled": that is fine here).
    await runCli(['sync', '--config', configFile]);
    const found = modes(dataDir);
    expect(found['.']).toBe('700');
    expect(found['logs']).toBe('700');
    for (const [file, mode] of Object.entries(found)) {
      if (file !== '.' && file !== 'logs') expect({ file, mode }).toEqual({ file, mode: '600' });
    }
    expect(Object.keys(found)).toEqual(expect.arrayContaining(['outbox.db', 'logs/agent.log', 'notes.txt']));
    expect(readFileSync(path.join(dataDir, 'logs', 'agent.log'), 'utf8')).toMatch(
      /Other users of this machine could read the data folder .*: 2 paths had group or other permissions/,
    );

    const again = await runCli(['doctor', '--config', configFile]);
    expect(again.stdout).toMatch(/Only the agent's user can read the data dir/);
  });

  it('while an agent runs: the folder is 0711 (for the role sockets), every file in it 0600 (the queue and its WAL too), sockets as their roles say; 0700 again after it stops', async () => {
    const runDir = path.join(dir, 'running');
    mkdirSync(runDir);
    const configFile = writeAgentConfig(path.join(runDir, 'agent.json'), {
      agent: { name: 'Running', dataDir: 'data' },
      cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' },
      sources: [],
    });
    const dataDir = path.join(runDir, 'data');
    const agent = startAgentProcess(configFile);
    try {
      // The sockets are bound while the folder is still 0700 and it opens to 0711 only after: wait for
      // the agent to say it is running, not merely for a socket file to appear.
      await waitFor('the agent to say it is running, with its write-ahead log', () => /is running \(pid/.test(agent.output()) && existsSync(path.join(dataDir, 'outbox.db-wal')), {
        describe: () => agent.output(),
      });
      const found: Record<string, string> = {};
      const visit = (target: string) => {
        const stats = lstatSync(target);
        const kind = stats.isSocket() ? 'socket' : stats.isDirectory() ? 'folder' : 'file';
        found[path.relative(dataDir, target) || '.'] = `${kind} ${(stats.mode & 0o777).toString(8)}`;
        if (stats.isDirectory()) for (const name of readdirSync(target)) visit(path.join(target, name));
      };
      visit(dataDir);
      expect(found).toMatchObject({
        '.': 'folder 711',
        logs: 'folder 700',
        'outbox.db': 'file 600',
        'outbox.db-wal': 'file 600',
        'control-admin.sock': 'socket 600',
        // No control.operatorGroup here: only the agent's user (docs/control-api.md).
        'control-operator.sock': 'socket 600',
        'control-viewer.sock': 'socket 666',
      });
      for (const [name, what] of Object.entries(found)) if (what.startsWith('file')) expect({ name, what }).toEqual({ name, what: 'file 600' });
    } finally {
      expect(await agent.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    }
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
    expect(readdirSync(dataDir).filter((name) => name.endsWith('.sock'))).toEqual([]);
  });
});
