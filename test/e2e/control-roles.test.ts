/**
 * The CLI as other users of the computer (issue 12, item 5): the socket a user can reach decides
 * what the CLI may do. Run as user `nobody` against a real agent: status works (viewer), `sync`
 * is refused naming the operator role and the group that gives it; in the operator group, `sync`
 * works; `open-ui --print` gives a browser session of the same role. Needs root (to run the CLI as
 * another user); elsewhere it prints why it is skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupId } from '../../agents/control/role-sockets.ts';
import { CLI_ENTRY, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess, type CliResult } from '../helpers/agent-process.ts';
import { controlCall } from '../helpers/control-http.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-cli-roles-'));
let agent: AgentProcess | undefined;
afterAll(async () => {
  await agent?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const NOBODY = 65534;
const operatorGid = groupId('mail');
const canSwitchUser = process.getuid?.() === 0 && operatorGid !== null && process.platform !== 'win32';

/** Whether user nobody can run this checkout's Node and CLI at all (a clone inside a 0700 folder, as CI makes, cannot). */
function nobodyCanRunCli(): boolean {
  const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1" && test -r "$2"', 'probe', process.execPath, CLI_ENTRY], { uid: NOBODY, gid: NOBODY });
  return probe.status === 0;
}

/** The CLI run as user nobody with `gid` as its group. */
function runCliAs(gid: number, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { uid: NOBODY, gid, env: { PATH: process.env.PATH, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('the CLI reaches the agent with the role of the socket its user may use', () => {
  it('viewer: status works and sync is refused naming the operator group; operator group: sync works; open-ui keeps the role', async (context) => {
    if (!canSwitchUser) {
      console.log('Skipped: needs root (to run the CLI as user nobody) and a "mail" group to stand in for the operator group.');
      context.skip();
    }
    if (!nobodyCanRunCli()) {
      // agents/control/role-sockets.test.ts still proves the socket permissions with a probe that needs no checkout.
      console.log(`Skipped: user nobody cannot read this checkout (${path.dirname(CLI_ENTRY)} is inside a private folder), so the CLI cannot run as another user here.`);
      context.skip();
    }
    chmodSync(dir, 0o755);
    const configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
      agent: { name: 'Roles', dataDir: 'data' },
      cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' },
      control: { operatorGroup: 'mail' },
      sources: [],
    });
    chmodSync(configFile, 0o644);
    const dataDir = path.join(dir, 'data');
    agent = startAgentProcess(configFile);
    await waitFor('the viewer socket', () => existsSync(path.join(dataDir, 'control-viewer.sock')), { describe: () => agent!.output() });

    const status = await runCliAs(NOBODY, ['status', '--json', '--config', configFile]);
    expect(status.stderr).toBe('');
    expect(JSON.parse(status.stdout)).toMatchObject({ agent: { name: 'Roles', running: true } });

    const sync = await runCliAs(NOBODY, ['sync', '--config', configFile]);
    expect(sync.code).toBe(14);
    expect(sync.stderr).toMatch(/needs the operator role, and this caller is a viewer/);
    expect(sync.stderr).toMatch(/add you to the group "mail"/);
    expect(sync.stderr).toMatch(/through control-viewer\.sock/);

    const asOperator = await runCliAs(operatorGid!, ['sync', '--config', configFile]);
    // The agent took the sync and then says what it always says unenrolled: the refusal was not about the role.
    expect(asOperator.stderr).not.toMatch(/role/);
    expect(asOperator.stderr).toMatch(/not enrolled/);
    expect(asOperator.code).toBe(6);

    // A viewer's browser session is a viewer's: it may look, not act.
    const link = await runCliAs(NOBODY, ['open-ui', '--print', '--config', configFile]);
    const url = new URL(link.stdout.trim());
    const login = await controlCall({ port: Number(url.port) }, { path: `${url.pathname}${url.search}` });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect((await controlCall({ port: Number(url.port) }, { path: '/api/v1/session', headers: { cookie } })).json.value).toMatchObject({ role: 'viewer', via: 'session' });
    expect(await agent.kill('SIGTERM')).toEqual({ code: 0, signal: null });

    // Stopped: another user cannot open the agent's files, and is told so in words (not a crash).
    const stopped = await runCliAs(NOBODY, ['sync', '--config', configFile]);
    expect(stopped.code).toBe(8);
    expect(stopped.stderr).toMatch(/No agent answers on the control sockets/);
  }, 60_000);
});
