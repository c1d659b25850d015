/**
 * `tya-agent service uninstall`: says what is not sent yet, asks, stops the service, unregisters the
 * agent from the cloud, removes the unit; the data dir stays unless `--purge-data`.
 */
import { existsSync, rmSync } from 'node:fs';
import type { AgentStatus } from '../../api/index.ts';
import { loadConfigFile, type LoadedConfig } from '../../engine/load-config.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { offlineStatus } from '../commands/status.ts';
import { findRunningAgent } from '../running-agent.ts';
import type { ServiceLayout } from './service-layout.ts';
import type { Systemctl } from './systemctl.ts';
import { unregisterAgent } from './unregister-agent.ts';

export interface UninstallServiceOptions {
  layout: ServiceLayout;
  systemctl: Systemctl;
  yes: boolean;
  purgeData: boolean;
  /** Whether a person can answer a question (stdin is a terminal). */
  interactive: boolean;
  confirm: (question: string) => Promise<boolean>;
  out: (line: string) => void;
}

export async function uninstallService(options: UninstallServiceOptions): Promise<ExitCodeValue> {
  const { layout, out } = options;
  const loaded = existsSync(layout.liveConfig) ? loadConfigFile(layout.liveConfig) : null;
  if (loaded === null && !existsSync(layout.unitFile)) {
    out(`The service is not installed (neither ${layout.unitFile} nor ${layout.liveConfig} exists). Nothing to do.`);
    return ExitCode.ok;
  }
  const queue = loaded === null ? null : (await statusOf(loaded)).queue;
  out(
    queue === null
      ? 'No live config, so no queue to report.'
      : `${queue.depth} change${queue.depth === 1 ? ' is' : 's are'} not sent yet` +
          `${queue.deadLetters > 0 ? `, and ${queue.deadLetters} the cloud refused for good (dead letters)` : ''}.` +
          (queue.depth > 0 ? ' They are lost to the cloud once the agent is unregistered (the data dir keeps them unless --purge-data).' : ''),
  );
  const question = `Stop the service, unregister the agent from the cloud and remove the service${options.purgeData ? `, deleting ${layout.dataDir}` : ''}?`;
  if (!options.yes) {
    if (!options.interactive) {
      throw new CliError(ExitCode.usage, 'confirmation_needed', `${question} This needs a confirmation; nothing was changed.`, {
        hint: 'Run it in a terminal to answer the question, or add --yes to go on without asking.',
      });
    }
    if (!(await options.confirm(question))) {
      out('Nothing was changed.');
      return ExitCode.incomplete;
    }
  }

  const unusable = options.systemctl.unusableReason();
  if (unusable === null) {
    const stopped = options.systemctl.run(['disable', '--now', layout.unitName]);
    out(stopped.ok ? `Stopped and disabled ${layout.unitName}.` : `systemctl disable --now ${layout.unitName} said: ${stopped.output}`);
  } else {
    out(`Could not stop the service: ${unusable}. Run "systemctl disable --now ${layout.unitName}" where systemd runs.`);
  }
  if (loaded !== null) {
    const running = findRunningAgent(loaded.dataDir);
    if (running !== null) {
      throw new CliError(ExitCode.busy, 'agent_still_running', `An agent (pid ${running.holder.pid}) still runs with ${loaded.dataDir}; it was not unregistered and nothing was removed.`, {
        hint: `Stop it (systemctl stop ${layout.unitName}, or end pid ${running.holder.pid}), then run the uninstall again.`,
      });
    }
    const outcome = await unregisterAgent(loaded).catch((error: unknown) => {
      throw new CliError(ExitCode.cloud, 'unregister_failed', `The cloud did not unregister the agent: ${(error as Error).message} The unit and the data were left in place.`, {
        hint: 'Run the uninstall again when the cloud is reachable, or remove the agent in the portal first.',
        cause: error,
      });
    });
    out(outcome.unregistered ? `Unregistered agent ${outcome.agentId} from ${outcome.cloudUrl}; its credentials were removed from the vault.` : `Not unregistered: ${outcome.reason}.`);
  }
  rmSync(layout.unitFile, { force: true });
  rmSync(layout.stoppedUnitFile, { force: true });
  out(`Removed ${layout.unitFile} and ${layout.stoppedUnitFile}.`);
  if (unusable === null) options.systemctl.run(['daemon-reload']);
  if (options.purgeData) {
    rmSync(layout.dataDir, { recursive: true, force: true });
    out(`Deleted the data dir ${layout.dataDir} (queue, logs, vault, live config).`);
  } else {
    out(`Kept the data dir ${layout.dataDir} (queue, logs, vault, live config); add --purge-data to delete it.`);
  }
  out(`Kept ${layout.etcDir} and the user ${layout.user} (remove them with: rm -r ${layout.etcDir}; userdel ${layout.user}).`);
  return ExitCode.ok;
}

/** What `status` shows: the running agent's own figures, else the outbox read from disk. */
async function statusOf(loaded: LoadedConfig): Promise<AgentStatus> {
  const running = findRunningAgent(loaded.dataDir, { timeoutMs: 10_000 });
  if (running?.client) {
    const live = await running.client.status().catch(() => null);
    if (live !== null) return live;
  }
  return offlineStatus(loaded);
}
