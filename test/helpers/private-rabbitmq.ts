/**
 * A private RabbitMQ node for one test file, so a test can restart a broker for real (stop the Erlang
 * node, start it again) without touching the shared broker on 5672 that other test files use at the
 * same time. The node has its own name (`tya-<pid>-<n>@localhost`), AMQP and distribution ports (free
 * ones, loopback only), Erlang cookie, mnesia and log directories under one temp dir, no plugins, and
 * none of /etc/rabbitmq's settings (its env file would name the shared node, its config its port).
 * Durable queues and persistent messages survive a restart, as on a real server.
 *
 * The node runs in its own process group: dispose() (and, as a last resort, this process's exit) kills
 * the group, so a failing test leaves no beam behind; `leakedNodes()` lists any that survived.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './free-port.ts';

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';
const SERVER = path.join(RABBIT_BIN, 'rabbitmq-server');
const CTL = path.join(RABBIT_BIN, 'rabbitmqctl');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface PrivateRabbit {
  /** The Erlang node name, for `rabbitmqctl -n`. */
  readonly node: string;
  /** Its temp dir: cookie, config, mnesia, logs (server.out, log/). Removed by dispose(). */
  readonly dir: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'guest';
  readonly password: 'guest';
  /** amqp URL with the password (for test clients; the agent gets the password from the keychain). */
  readonly url: string;
  /** How many times the node was started again after a stop. */
  readonly restarts: number;
  /** Whether the node is up (between start and stop). */
  readonly running: boolean;
  /** `rabbitmqctl stop`: the broker closes every connection (CONNECTION_FORCED) and the node halts. */
  stop(): Promise<void>;
  /** Starts the stopped node again on the same port and data, and waits until it accepts connections. */
  start(): Promise<void>;
  /** stop(), an optional pause with the broker away, start(). */
  restart(awayMs?: number): Promise<void>;
  /** Runs rabbitmqctl against this node (e.g. `list_queues name messages`). */
  ctl(args: string[]): Promise<string>;
  /** Kills the node's process group, whatever its state, and removes its directory. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Why a private node cannot be started here (printed once), or undefined when it can. */
export function privateRabbitSkipReason(): string | undefined {
  let reason: string | undefined;
  if (!existsSync(SERVER) || !existsSync(CTL)) reason = `${SERVER} is not installed (Debian package rabbitmq-server)`;
  else if (process.getuid?.() !== 0) reason = 'a private RabbitMQ node is started as root in these tests (the Debian scripts expect root or rabbitmq)';
  if (reason === undefined) return undefined;
  const line = `Private RabbitMQ node tests skipped: ${reason}.`;
  // CI runs everything: a broker it cannot start fails the run instead of skipping (test/helpers/services.ts).
  if (process.env['TYA_REQUIRE_SERVICES'] === '1') throw new Error(line);
  console.log(line);
  return line;
}

let nodeCounter = 0;

export async function startPrivateRabbit(): Promise<PrivateRabbit> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-rabbit-node-'));
  const node = `tya-${process.pid}-${nodeCounter++}@localhost`;
  const port = await freePort();
  let distPort = await freePort();
  while (distPort === port) distPort = await freePort();
  // The cookie is written before the node or the CLI starts: otherwise both may create one and differ.
  writeFileSync(path.join(dir, '.erlang.cookie'), randomBytes(20).toString('hex').toUpperCase(), { mode: 0o400 });
  writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(path.join(dir, 'rabbitmq.conf'), [`listeners.tcp.local = 127.0.0.1:${port}`, 'disk_free_limit.absolute = 50MB', ''].join('\n'));
  mkdirSync(path.join(dir, 'log'));
  // Only what the scripts need: none of this process's RABBITMQ_* or ERL_* settings leak in.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: node,
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: path.join(dir, 'node.pid'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const serverLog = path.join(dir, 'server.out');
  let child: ChildProcess | null = null;
  let restarts = 0;
  let disposed = false;

  const killGroup = (): void => {
    const pid = child?.pid;
    if (pid === undefined || child?.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killGroup);

  const ctl = (args: string[], timeoutMs = 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(CTL, ['-n', node, ...args], { env, cwd: dir, timeout: timeoutMs }, (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new Error(`rabbitmqctl -n ${node} ${args.join(' ')} failed: ${stderr.trim() || stdout.trim() || error.message}`));
      });
    });

  const tail = (): string => {
    try {
      return readFileSync(serverLog, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no output)';
    }
  };

  let starts = 0;
  const start = async (): Promise<void> => {
    if (disposed) throw new Error(`private RabbitMQ node ${node} was disposed`);
    if (child !== null) throw new Error(`private RabbitMQ node ${node} is already running`);
    if (starts++ > 0) restarts += 1;
    const out = openSync(serverLog, 'a');
    const started = spawn(SERVER, [], { env, cwd: dir, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child = started;
    const exited = new Promise<string>((resolve) => started.once('exit', (code, signal) => resolve(`exited (${code ?? signal})`)));
    const deadline = Date.now() + START_TIMEOUT_MS;
    // The AMQP listener opens at the end of the boot; await_startup then confirms the boot finished
    // (asked earlier, before the node registered with epmd, it fails at once instead of waiting).
    while (!(await acceptsTcp(port))) {
      const early = await Promise.race([exited, sleep(100).then(() => null)]);
      if (early !== null) {
        child = null;
        throw new Error(`private RabbitMQ node ${node} ${early} while starting:\n${tail()}`);
      }
      if (Date.now() > deadline) throw new Error(`private RabbitMQ node ${node} did not open port ${port} within ${START_TIMEOUT_MS / 1000} s:\n${tail()}`);
    }
    await ctl(['await_startup', '--timeout', '60']);
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (running === null) return;
    const exited = new Promise<void>((resolve) => {
      if (running.exitCode !== null || running.signalCode !== null) resolve();
      else running.once('exit', () => resolve());
    });
    await ctl(['stop']);
    const timer = setTimeout(killGroup, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    child = null;
  };

  const rabbit: PrivateRabbit = {
    node,
    dir,
    host: '127.0.0.1',
    port,
    user: 'guest',
    password: 'guest',
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    get restarts() {
      return restarts;
    },
    get running() {
      return child !== null;
    },
    stop,
    start,
    async restart(awayMs = 0) {
      await stop();
      if (awayMs > 0) await sleep(awayMs);
      await start();
    },
    ctl: (args) => ctl(args),
    async dispose() {
      if (disposed) return;
      disposed = true;
      const running = child;
      if (running !== null) {
        const exited = new Promise<void>((resolve) => {
          if (running.exitCode !== null || running.signalCode !== null) resolve();
          else running.once('exit', () => resolve());
        });
        killGroup();
        await exited;
        child = null;
      }
      process.removeListener('exit', killGroup);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (error) {
    await rabbit.dispose();
    throw error;
  }
  return rabbit;
}

/**
 * Beam processes of private nodes still alive, as `pid node` (a leak once their tests ended). The node
 * name is not on the command line (RabbitMQ 3.10 starts distribution itself), so each beam's
 * environment is read. `startedBy` limits it to nodes started by that process (default: this one).
 */
export function leakedNodes(startedBy: number | 'any' = process.pid): string[] {
  const prefix = startedBy === 'any' ? 'RABBITMQ_NODENAME=tya-' : `RABBITMQ_NODENAME=tya-${startedBy}-`;
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('beam')) continue;
      const name = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((entry) => entry.startsWith(prefix));
      if (name !== undefined) found.push(`${pid} ${name.slice('RABBITMQ_NODENAME='.length)}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
