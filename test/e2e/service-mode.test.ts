/**
 * Issue 16 item 1 for real: `service install` into a throwaway root creates the service user and the
 * live config; `enroll --service` (run as root) stores the credentials in the service-file vault as
 * that user; the agent then runs as that user with exactly the environment, working directory and
 * command line the generated unit gives it (no D-Bus, no keychain), delivers records to the sandbox,
 * and `service uninstall` unregisters it (DELETE /v1/agents/{id}).
 */
import { spawn, spawnSync } from 'node:child_process';
import nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { PosActivity } from '../../agents/cli/demo/pos-database.ts';
import { POS_STREAMS } from '../../agents/cli/demo/pos-schema.ts';
import { AgentStatusSchema, type AgentStatus } from '../../agents/api/index.ts';
import { serviceLayout } from '../../agents/cli/service/service-layout.ts';
import { systemUsers, type ServiceAccount } from '../../agents/cli/service/service-user.ts';
import { ServiceFileSecretStore } from '../../agents/vault/service-file-secret-store.ts';
import { SecretRefs } from '../../agents/vault/secret-store.ts';
import { serviceVaultPaths } from '../../agents/engine/installation-secret-store.ts';
import { runCli, waitFor, writeAgentConfig, type CliResult } from '../helpers/agent-process.ts';

const USER = 'tya-agent';
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The first folder from `/` down to `dir` that users other than its owner and group may not enter, or null. */
function folderOthersCannotEnter(dir: string): string | null {
  const parts = path.resolve(dir).split(path.sep).filter((part) => part !== '');
  for (let i = 0; i <= parts.length; i += 1) {
    const folder = path.sep + parts.slice(0, i).join(path.sep);
    if ((statSync(folder).mode & 0o001) === 0) return folder;
  }
  return null;
}
const canRun = process.getuid?.() === 0 && systemUsers.lookup('root') !== null;
if (!canRun) console.log('skipped service-mode.test.ts: needs root and getent/useradd to create the service user');

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let pos: PosActivity;
let createdUser = false;
let agent: ReturnType<typeof spawn> | null = null;
let agentOutput = '';
let closeHook: () => Promise<void> = () => Promise.resolve();
const layout = () => serviceLayout({ root: path.join(dir, 'root'), user: USER });

function cli(args: string[], input?: string): Promise<CliResult> {
  return runCli(args, { input, env: { TYA_CONFIG: '' } });
}

/** The unit's directives (Environment= may repeat). */
function unitDirectives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const match of text.matchAll(/^([A-Za-z]+)=(.*)$/gm)) map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  return map;
}

/**
 * Every regular file under `root`, with its bytes. The running agent writes files meanwhile (Node's
 * compile cache writes a temporary file and renames it), so a file gone between listing and reading is
 * skipped: it was a temporary of compiled code, never a place for the secrets these scans look for.
 */
function filesUnder(root: string): { file: string; bytes: Buffer }[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .flatMap((file) => {
      try {
        return [{ file, bytes: readFileSync(file) }];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    });
}

async function status(configFile: string): Promise<AgentStatus | null> {
  const result = await cli(['status', '--json', '--config', configFile]);
  try {
    return AgentStatusSchema.parse(JSON.parse(result.stdout));
  } catch {
    return null;
  }
}

beforeAll(async () => {
  if (!canRun) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-service-mode-'));
  // The service user must get through the throwaway root to its data dir, as through / on a server.
  chmodSync(dir, 0o755);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  createdUser = systemUsers.lookup(USER) === null;
});

afterAll(async () => {
  if (!canRun) return;
  if (agent !== null && agent.exitCode === null) {
    agent.kill('SIGKILL');
    await new Promise((resolve) => agent!.once('exit', resolve));
  }
  pos?.close();
  await closeHook();
  await sandbox?.close();
  if (createdUser && systemUsers.lookup(USER) !== null) systemUsers.remove(USER);
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(canRun)('the agent as a service', () => {
  it('installs, enrolls into the service vault, runs as the service user with the unit environment, delivers, and uninstalls', async (context) => {
    const privateFolder = folderOthersCannotEnter(REPO_ROOT);
    if (privateFolder !== null) {
      // The unit runs node and the agent from this checkout as the service user, who is neither its owner nor in its group.
      console.log(`Skipped: the service user cannot reach this checkout (${privateFolder} is private: no "x" for others), so the agent cannot run as that user from here.`);
      context.skip();
    }
    const posDir = path.join(dir, 'pos');
    mkdirSync(posDir);
    pos = PosActivity.create(path.join(posDir, 'pos.db'), { seed: 5, stores: 1, registersPerStore: 1, closedShiftsPerRegister: 1, receiptsPerShift: 5 });
    // The alert channel a server has instead of a tray: a webhook on loopback.
    const notices: Array<{ code: string; state: string; severity: string; message: string }> = [];
    const hook = nodeHttp.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        notices.push(JSON.parse(body) as (typeof notices)[number]);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    closeHook = () => new Promise<void>((resolve) => hook.close(() => resolve()));
    const startConfig = writeAgentConfig(path.join(dir, 'agent.json'), {
      agent: { name: 'service-mode-test', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-1', retryBaseMs: 100, retryMaxMs: 400 },
      notify: { webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts` } },
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

    // Install: the user, the live config with the service vault chosen, the unit. Not started: not this machine's root.
    const install = await cli(['service', 'install', '--root', layout().root, '--user', USER, '--config', startConfig]);
    expect(install.stdout).toMatch(/Not started: the service was installed under/);
    expect(install.stdout).toContain('systemctl daemon-reload && systemctl enable --now tya-agent');
    expect(install.code, install.stdout + install.stderr).toBe(3);
    // `service status` says whether systemd giving up reaches the alert channels; a unit from before says to install again.
    const serviceStatus = await cli(['service', 'status', '--root', layout().root, '--user', USER]);
    expect(serviceStatus.stdout).toContain('If stopped:  the alert channels are told: webhook (tya-agent-stopped.service)');
    const currentUnit = readFileSync(layout().unitFile, 'utf8');
    writeFileSync(layout().unitFile, currentUnit.replace(/^OnFailure=.*\n/m, ''));
    expect((await cli(['service', 'status', '--root', layout().root, '--user', USER])).stdout).toMatch(/If stopped: {2}nobody is told: this unit predates the failure alert\. Run "tya-agent service install" again/);
    writeFileSync(layout().unitFile, currentUnit);
    const account = systemUsers.lookup(USER) as ServiceAccount;
    expect(account).not.toBeNull();
    expect(statSync(layout().dataDir).uid).toBe(account.uid);
    expect(statSync(layout().dataDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(layout().liveConfig, 'utf8'))).toMatchObject({ agent: { dataDir: '.' }, vault: { backend: 'service-file' } });
    expect(readFileSync(layout().etcConfig, 'utf8')).toBe(readFileSync(startConfig, 'utf8'));
    // The POS database (SQLite in WAL mode) must be writable by the reader for its -shm file.
    for (const file of [posDir, ...readdirSync(posDir).map((f) => path.join(posDir, f))]) chownSync(file, account.uid, account.gid);

    // An administrator (root) enrolls and stores a password with --service: both land in the service's vault, owned by it.
    const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
    const enroll = await cli(['enroll', '--service', '--url', sandbox.url, '--key', '-', '--config', layout().liveConfig], key);
    expect(enroll.code, enroll.stdout + enroll.stderr).toBe(0);
    expect(enroll.stderr).toContain(`Working as the service user (uid ${account.uid})`);
    expect(enroll.stdout).toContain('The credentials are in the service vault');
    const planted = `planted-db-password-${process.pid}-a9f3`;
    const secret = await cli(['secret', 'set', 'pos-db/password', '--service', '--config', layout().liveConfig], planted);
    expect(secret.code, secret.stdout + secret.stderr).toBe(0);
    const vault = serviceVaultPaths(layout().dataDir);
    for (const file of [vault.file, vault.keyFile]) {
      expect(statSync(file).uid, file).toBe(account.uid);
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
    }
    for (const { file } of filesUnder(layout().dataDir)) expect(statSync(file).uid, file).toBe(account.uid);

    // Run exactly what the unit runs: its User, WorkingDirectory, Environment and ExecStart, with the
    // bare environment systemd gives a service (no D-Bus session, so no keychain could be used).
    const unitText = readFileSync(layout().unitFile, 'utf8');
    if (existsSync('/usr/bin/systemd-analyze')) {
      const verified = spawnSync('/usr/bin/systemd-analyze', ['verify', '--man=no', layout().unitFile], { encoding: 'utf8' });
      expect(verified.stdout + verified.stderr).toBe('');
      expect(verified.status).toBe(0);
    } else console.log('systemd-analyze is not installed: the installed unit was not verified');
    const unit = unitDirectives(unitText);
    expect(unit.get('User')).toEqual([USER]);
    const [execPath, ...execArgs] = unit.get('ExecStart')![0]!.split(' ');
    const environment = Object.fromEntries((unit.get('Environment') ?? []).map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(environment.TYA_CONFIG).toBe(layout().liveConfig);
    agent = spawn(execPath!, execArgs, {
      uid: account.uid,
      gid: account.gid,
      cwd: unit.get('WorkingDirectory')![0],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: layout().dataDir, USER, LOGNAME: USER, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));
    agent.stderr?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));

    let last: AgentStatus | null = null;
    await waitFor('the service agent to deliver records', async () => {
      last = await status(layout().liveConfig);
      return last !== null && last.agent.running && last.queue.delivered >= 5;
    }, { timeoutMs: 60_000, intervalMs: 1000, describe: () => `${JSON.stringify(last?.queue)} ${agentOutput.slice(-1500)}` });
    const agentId = last!.enrollment.agentId!;
    expect((await admin.records()).length).toBeGreaterThanOrEqual(5);
    expect(readFileSync(`/proc/${agent.pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${account.uid}\\s`, 'm'));

    // No secret in plaintext anywhere in the data dir: not the planted password, not the cloud credentials.
    const clientSecret = await new ServiceFileSecretStore(vault).get(SecretRefs.clientSecret);
    expect(clientSecret).toBeDefined();
    for (const { file, bytes } of filesUnder(layout().dataDir)) {
      for (const value of [planted, clientSecret!]) expect(bytes.includes(value), `${file} holds a secret`).toBe(false);
    }

    // Uninstall: refuses while the agent runs, asks when not forced, then unregisters with the cloud.
    const busy = await cli(['service', 'uninstall', '--root', layout().root, '--user', USER, '--yes']);
    expect(busy.stderr).toMatch(/still runs/);
    expect(busy.code).toBe(9);
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent!.once('exit', resolve));

    // systemd gives up (the crash-loop limit): its OnFailure= unit runs, exactly as written, as the
    // service user with what systemd adds for a failure handler. The webhook hears it in words.
    const stoppedUnit = unitDirectives(readFileSync(layout().stoppedUnitFile, 'utf8'));
    expect(unit.get('OnFailure')).toEqual([path.basename(layout().stoppedUnitFile)]);
    const [stoppedExec, ...stoppedArgs] = stoppedUnit.get('ExecStart')![0]!.split(' ');
    const stoppedEnv = Object.fromEntries((stoppedUnit.get('Environment') ?? []).map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]));
    // Not spawnSync: the webhook answers from this process's event loop.
    const notifier = spawn(stoppedExec!, stoppedArgs, {
      uid: account.uid,
      gid: account.gid,
      cwd: stoppedUnit.get('WorkingDirectory')![0],
      env: { PATH: '/usr/bin:/bin', HOME: layout().dataDir, USER, ...stoppedEnv, MONITOR_UNIT: 'tya-agent.service', MONITOR_SERVICE_RESULT: 'start-limit-hit' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let notifierOutput = '';
    notifier.stdout.on('data', (chunk: Buffer) => (notifierOutput += chunk.toString()));
    notifier.stderr.on('data', (chunk: Buffer) => (notifierOutput += chunk.toString()));
    const notifiedCode = await new Promise<number | null>((resolve) => notifier.once('exit', resolve));
    expect(notifiedCode, notifierOutput).toBe(0);
    const stopped = notices.filter((n) => n.code === 'agent_stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ state: 'raised', severity: 'critical' });
    expect(stopped[0]!.message).toMatch(/will not start it again \(it failed 5 times within 10 minutes\).*systemctl restart tya-agent/);
    expect((await status(layout().liveConfig))?.alerts.map((a) => a.code)).toContain('agent_stopped');
    const unconfirmed = await cli(['service', 'uninstall', '--root', layout().root, '--user', USER]);
    expect(unconfirmed.stdout).toMatch(/0 changes are not sent yet|changes? (is|are) not sent yet/);
    expect(unconfirmed.stderr).toMatch(/needs a confirmation; nothing was changed/);
    expect(unconfirmed.code).toBe(2);
    expect((await admin.agents()).find((a) => a.agentId === agentId)?.deletedAt).toBeNull();
    const uninstall = await cli(['service', 'uninstall', '--root', layout().root, '--user', USER, '--yes']);
    expect(uninstall.stdout + uninstall.stderr).toContain(`Unregistered agent ${agentId}`);
    expect(uninstall.code, uninstall.stdout + uninstall.stderr).toBe(0);
    expect((await admin.agents()).find((a) => a.agentId === agentId)?.deletedAt).not.toBeNull();
    expect(readdirSync(layout().dataDir)).toContain('outbox.db');
    expect(existsSync(layout().stoppedUnitFile), 'uninstall removes the failure unit too').toBe(false);
    expect(await new ServiceFileSecretStore(vault).get(SecretRefs.clientSecret)).toBeUndefined();
  }, 120_000);
});
