/**
 * Finds the agent process that holds a data folder (data-dir-lock.ts) and, when it serves the
 * control API, a client for it: one-shot commands go through it when it exists and run on their
 * own only when no process holds the folder.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { ControlClient, readControlFileSync } from '../control/index.ts';
import { DataDirBusyError, DataDirLock, type LockHolder } from '../engine/data-dir-lock.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';

export interface RunningAgent {
  holder: LockHolder;
  /** Null while the holder serves no control API (a one-shot command, or an agent still starting). */
  client: ControlClient | null;
  /** `http://127.0.0.1:PORT` when the control API is published. */
  url: string | null;
}

export function findRunningAgent(dataDir: string, options: { timeoutMs?: number } = {}): RunningAgent | null {
  // A stopped agent's folder is 0700: another user can neither reach a socket nor run the command on its own.
  if (existsSync(dataDir) && !maySearch(dataDir)) throw notReachable(dataDir);
  let holder: LockHolder | null;
  try {
    holder = DataDirLock.probe(dataDir);
  } catch (error) {
    // Another user than the agent's cannot open its lock file (0600): the role sockets are the way in.
    const client = ControlClient.fromDataDir(dataDir, options);
    if (client === null) throw notReachable(dataDir, error);
    return { holder: { pid: 0, command: 'run', startedAt: '', hostname: hostname() }, client, url: client.url };
  }
  if (holder === null) return null;
  const file = readControlFileSync(dataDir);
  // control.json is the holder's only if it names the holder's pid (a stale file is removed by the next holder).
  if (file === null || file.pid !== holder.pid) return { holder, client: null, url: null };
  // The admin socket when this user may use it, else the token (the same user can read both).
  const client = ControlClient.fromDataDir(dataDir, options) ?? new ControlClient({ url: `http://127.0.0.1:${file.port}`, token: file.token, ...options });
  return { holder, client, url: `http://127.0.0.1:${file.port}` };
}

function notReachable(dataDir: string, cause?: unknown): CliError {
  return new CliError(ExitCode.notRunning, 'agent_not_running', `No agent answers on the control sockets in ${dataDir}, and this user may not open the data folder's files.`, {
    hint: "Start the agent (or its service), or run the command as the agent's user.",
    cause,
  });
}

function maySearch(folder: string): boolean {
  try {
    accessSync(folder, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The refusal when another process holds the folder and offers no control API to go through. */
export function busyError(dataDir: string, running: RunningAgent): CliError {
  const base = new DataDirBusyError(dataDir, running.holder);
  return new CliError(ExitCode.busy, base.code, base.message, { hint: reachHint(running) ?? base.hint });
}

/** How to reach the holder, for messages. */
export function reachHint(running: RunningAgent): string | undefined {
  if (running.url === null) return undefined;
  return (
    `It answers on its control API at ${running.url} (token in control.json in the data folder): ` +
    '"tya-agent status", "tya-agent sync", "tya-agent dlq …" and "tya-agent alerts" go through it. ' +
    'Stop it first (Ctrl-C, SIGTERM or the service manager) if you meant to start a new one.'
  );
}
