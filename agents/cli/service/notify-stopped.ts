/**
 * `tya-agent service notify-stopped`: what systemd runs when it gives up on the agent (the agent
 * unit's OnFailure=, after the crash-loop limit or an exit a restart cannot fix). A stopped agent
 * sends no alerts and a server has no tray, so without this the office's data would stop with
 * nobody told. It raises the critical condition `agent_stopped` with the agent's last logged error
 * (so `status` and the dashboard say it too) and sends it through the configured channels; the
 * agent clears it when it runs again, and its channels then hear "resolved". It opens only the
 * agent's files, not the agent, so that a config broken outside the alert's sections is reported
 * too (stopped-config.ts).
 */
import type { ExitCodeValue } from '../exit-codes.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../cli-io.ts';
import { closeAgentFiles, openAgentFiles, type AgentFiles } from '../../engine/agent-files.ts';
import { DataDirBusyError } from '../../engine/data-dir-lock.ts';
import { AGENT_STOPPED_ALERT } from '../../engine/unattended.ts';
import { AlertNotifier } from '../../engine/notify/alert-notifier.ts';
import { asSentence } from '../../engine/notify/channels.ts';
import { logTailText } from '../../engine/support/log-tail.ts';
import { VaultSecretResolver } from '../../vault/index.ts';
import { configProblemWords, loadStoppedAlertConfig } from './stopped-config.ts';

const TAIL_BYTES = 256 * 1024;
const DELIVER_FOR_MS = 60_000;
/** An older error is not why it stopped now: systemd gives up within 10 minutes of crashes. */
const RECENT_MS = 15 * 60_000;

/** What systemd tells an OnFailure= unit about the unit that failed (systemd ≥ 251). */
export interface MonitorEnv {
  MONITOR_UNIT?: string | undefined;
  MONITOR_SERVICE_RESULT?: string | undefined;
  MONITOR_EXIT_CODE?: string | undefined;
  MONITOR_EXIT_STATUS?: string | undefined;
}

export async function notifyStoppedCommand(
  options: { config?: string },
  io: CliIo,
  deps: { env?: MonitorEnv; deliverForMs?: number } = {},
): Promise<ExitCodeValue> {
  const loaded = loadStoppedAlertConfig(options.config);
  let files: AgentFiles;
  try {
    files = openAgentFiles({ loaded, lockAs: 'service notify-stopped' });
  } catch (error) {
    // Restarted by hand meanwhile: it reports for itself.
    if (error instanceof DataDirBusyError) {
      io.out('The agent is running again: nothing to report.');
      return ExitCode.ok;
    }
    throw error;
  }
  try {
    const cause: StopCause =
      loaded.problem !== null
        ? { configProblem: configProblemWords(loaded.problem) }
        : { lastError: lastLoggedError(files.layout.logFile, Date.now() - RECENT_MS) };
    const message = stoppedMessage(deps.env ?? process.env, cause);
    files.outbox.raiseAlert({ code: AGENT_STOPPED_ALERT, severity: 'critical', message });
    io.out(message);
    if (loaded.config.notify === undefined) {
      io.err('No alert channel is configured (notify in the config): only "tya-agent status" and the dashboard show this.');
      return ExitCode.incomplete;
    }
    const notifier = new AlertNotifier({
      agentName: () => loaded.config.agent.name,
      config: () => loaded.config.notify,
      outbox: files.outbox,
      secrets: new VaultSecretResolver(files.secrets),
      logger: files.logger.child({ component: 'notify' }),
      now: () => Date.now(),
    });
    const untold = await notifier.deliver(AGENT_STOPPED_ALERT, Date.now() + (deps.deliverForMs ?? DELIVER_FOR_MS));
    if (untold.length > 0) {
      io.err(`Could not send it by ${untold.join(', ')} (the agent's log says why).`);
      return ExitCode.incomplete;
    }
    io.out('Sent to every configured alert channel.');
    return ExitCode.ok;
  } finally {
    await closeAgentFiles(files);
  }
}

/** What the alert can say about the cause: what is wrong with the config, or else the log's last error (null: none). */
export type StopCause = { configProblem: string } | { lastError: string | null };

/** The alert in words: what stopped, why systemd gave up, the config's problems or the agent's last error, what to do. */
export function stoppedMessage(env: MonitorEnv, cause: StopCause): string {
  const unit = env.MONITOR_UNIT?.replace(/\.service$/, '') || 'tya-agent';
  const why = givenUpBecause(env);
  const error =
    'configProblem' in cause
      ? `Its configuration does not load: ${asSentence(cause.configProblem)}`
      : cause.lastError === null
        ? `Its log names no error of the last minutes: see "journalctl -u ${unit}".`
        : `Its last error: ${asSentence(cause.lastError)}`;
  return (
    `The agent stopped and the service manager will not start it again${why === null ? '' : ` (${why})`}. ` +
    `Nothing is read or sent until it runs. ${error} Fix the cause, then run "systemctl restart ${unit}".`
  );
}

function givenUpBecause(env: MonitorEnv): string | null {
  if (env.MONITOR_SERVICE_RESULT === 'start-limit-hit') return 'it failed 5 times within 10 minutes';
  const status = env.MONITOR_EXIT_STATUS;
  if (env.MONITOR_EXIT_CODE === 'exited' && status !== undefined) return `exit status ${status}: ${EXIT_WORDS[Number(status)] ?? 'see the log'}`;
  if (env.MONITOR_EXIT_CODE === 'killed' || env.MONITOR_EXIT_CODE === 'dumped') return `ended by signal ${status ?? 'unknown'}`;
  return env.MONITOR_SERVICE_RESULT ?? null;
}

/** The exits a restart cannot fix (systemd-unit.ts NO_RESTART_EXIT_CODES), in words. */
const EXIT_WORDS: Record<number, string> = {
  [ExitCode.config]: 'the configuration is not valid',
  [ExitCode.keychain]: 'the keychain or service vault could not be opened',
  [ExitCode.revoked]: 'the cloud revoked this agent; enroll it again',
  [ExitCode.nodeTooOld]: 'the Node.js runtime is too old',
};

/** The newest error or fatal line of the agent's log since `sinceMs` (its message and its error's), or null. */
export function lastLoggedError(logFile: string, sinceMs: number): string | null {
  const text = logTailText(logFile, TAIL_BYTES);
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes('"level":"error"') && !line.includes('"level":"fatal"')) continue;
    try {
      const entry = JSON.parse(line) as { time?: unknown; msg?: unknown; err?: { message?: unknown } };
      // Lines are in time order: the first too old ends the search.
      if (typeof entry.time === 'string' && Date.parse(entry.time) < sinceMs) return null;
      const parts = [entry.msg, entry.err?.message].filter((part): part is string => typeof part === 'string' && part !== '');
      const words = [...new Set(parts)].join(' ');
      if (words !== '') return words.length > 600 ? `${words.slice(0, 600)}…` : words;
    } catch {
      // Not JSON (a line written by something else): look further back.
    }
  }
  return null;
}
