import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../telemetry/logger.ts';
import { AgentNotRunningError, ControlClient, ControlRequestError } from './control-client.ts';
import { SAMPLE_STATUS, recordingHandlers } from './control-fixtures.ts';
import { startControlServer } from './control-server.ts';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tya-control-client-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function start(handlers = recordingHandlers()) {
  return startControlServer({ port: 0, dataDir, handlers, logger: createSilentLogger(), version: '0.1.0' });
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

function controlJson(port: number, pid: number): string {
  const token = 'x'.repeat(43);
  return JSON.stringify({ port, token, pid, startedAt: '2026-03-01T08:00:00Z', version: '0.1.0' });
}

describe('ControlClient', () => {
  it('finds the running agent from its data folder and calls every route', async () => {
    const handlers = recordingHandlers();
    const server = await start(handlers);
    try {
      // The agent's own user reaches the admin socket first.
      const client = ControlClient.fromDataDir(dataDir);
      expect([client?.url, client?.role]).toEqual([`unix:${join(dataDir, 'control-admin.sock')}`, 'admin']);
      expect(await client!.status()).toEqual(SAMPLE_STATUS);
      await client!.syncNow();
      await client!.syncNow('erp');
      expect(await client!.listDeadLetters(7)).toEqual([{ id: 1, reason: 'rejected' }]);
      expect(await client!.replayDeadLetters([5, 6, 7])).toBe(3);
      expect(await client!.discardDeadLetters('all')).toBe(9);
      expect(handlers.calls).toEqual([
        ['syncNow', undefined],
        ['syncNow', 'erp'],
        ['listDeadLetters', 7],
        ['replay', [5, 6, 7]],
        ['discard', 'all'],
      ]);
    } finally {
      await server.close();
    }
  });

  it("turns the agent's refusal into a ControlRequestError with its code", async () => {
    const server = await start();
    try {
      const error = await ControlClient.fromDataDir(dataDir)!
        .syncNow('missing')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ControlRequestError);
      expect(error).toMatchObject({ code: 'unknown_source', status: 409 });
      const wrongToken = new ControlClient({ url: server.url, token: 'y'.repeat(43) });
      await expect(wrongToken.status()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    } finally {
      await server.close();
    }
  });

  it('returns null without control.json, and for a stale one whose pid is dead', async () => {
    expect(ControlClient.fromDataDir(dataDir)).toBeNull();
    await writeFile(join(dataDir, 'control.json'), controlJson(1234, await deadPid()), { mode: 0o600 });
    expect(ControlClient.fromDataDir(dataDir)).toBeNull();
    await writeFile(join(dataDir, 'control.json'), '{"port":', { mode: 0o600 });
    expect(ControlClient.fromDataDir(dataDir)).toBeNull();
  });

  it('returns null once the server has closed', async () => {
    const server = await start();
    expect(ControlClient.fromDataDir(dataDir)).not.toBeNull();
    await server.close();
    expect(ControlClient.fromDataDir(dataDir)).toBeNull();
  });

  it('reports "no agent is running" when nothing listens on the published port', async () => {
    const server = await start();
    const port = server.port;
    await server.close();
    // A live pid (this process) but a closed port: the agent crashed and its pid was reused.
    await writeFile(join(dataDir, 'control.json'), controlJson(port, process.pid), { mode: 0o600 });
    const error = await ControlClient.fromDataDir(dataDir)!
      .status()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentNotRunningError);
    expect(error).toMatchObject({ code: 'agent_not_running' });
    expect((error as Error).message).toMatch(/No agent is running/);
  });
});
