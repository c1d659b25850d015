/**
 * Finds the agent process that holds a data folder (data-dir-lock.ts) and, when it serves the
 * control API, a client for it: one-shot commands go through it when it exists and run on their
 * own only when no process holds the folder.
 */
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
  const holder = DataDirLock.probe(dataDir);
  if (holder === null) return null;
  const file = readControlFileSync(dataDir);
  // control.json is the holder's only if it names the holder's pid (a stale file is removed by the next holder).
  if (file === null || file.pid !== holder.pid) return { holder, client: null, url: null };
  const url = `http://127.0.0.1:${file.port}`;
  return { holder, client: new ControlClient({ url, token: file.token, ...options }), url };
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
