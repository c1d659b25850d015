import type { AgentStatus, Alert } from '../../api/index.ts';
import { existsSync } from 'node:fs';
import { AgentNotRunningError } from '../../control/index.ts';
import { readEnrollment } from '../../delivery/index.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { StatusTracker } from '../../engine/status-tracker.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { describeError } from '../../pipeline/errors.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { formatStatus, needsAttention } from '../format-status.ts';
import { describeAlertChannels } from '../../engine/notify/channel-test.ts';
import { findRunningAgent, type RunningAgent } from '../running-agent.ts';

/**
 * `tya-agent status`: asks the running agent; when none runs, reads the queue on disk read-only so an
 * admin still sees what is waiting (before the first run: an empty status, not an error). Exit 0
 * healthy, 3 needs attention, 8 not running.
 */
export async function statusCommand(options: { config?: string; json?: boolean }, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const running = findRunningAgent(loaded.dataDir, { timeoutMs: 10_000 });
  const status = (await liveStatus(running)) ?? offlineStatus(loaded);
  const channels = describeAlertChannels(loaded.config.notify).map((c) => c.channel);
  io.out(options.json ? JSON.stringify(status, null, 2) : formatStatus(status, Date.now(), channels));
  if (!options.json && !status.agent.running) {
    if (running !== null) {
      io.out(`  (A "tya-agent ${running.holder.command}" process, pid ${running.holder.pid}, is using this data folder right now.)`);
    } else if (!existsSync(dataDirLayout(loaded.dataDir).outbox)) {
      io.out(`  This agent has not run yet in ${loaded.dataDir}: start it with "tya-agent run" (or the service).`);
    }
  }
  if (!status.agent.running) return ExitCode.notRunning;
  return needsAttention(status) ? ExitCode.incomplete : ExitCode.ok;
}

async function liveStatus(running: RunningAgent | null): Promise<AgentStatus | null> {
  if (running === null || running.client === null) return null;
  try {
    return await running.client.status();
  } catch (error) {
    if (error instanceof AgentNotRunningError) return null;
    throw error;
  }
}

/**
 * Status of a stopped agent, from its outbox file (read-only: never competes with a starting agent).
 * A file that cannot be read (damaged, or being checked and moved aside by an agent that is starting)
 * is a status with a critical alert saying so and what to do, not a crash: that is when an admin
 * needs `status` most.
 */
export function offlineStatus(loaded: LoadedConfig): AgentStatus {
  const layout = dataDirLayout(loaded.dataDir);
  // Before the first run there is no outbox: say so as a status (not an error), in text and JSON.
  if (!existsSync(layout.outbox)) return statusOf(loaded, null);
  let outbox: Outbox | null = null;
  try {
    outbox = Outbox.openReadonly(layout.outbox, systemClock);
    return statusOf(loaded, outbox);
  } catch (error) {
    return statusOf(loaded, null, [unreadableOutbox(layout.outbox, error)]);
  } finally {
    outbox?.close();
  }
}

function unreadableOutbox(file: string, error: unknown): Alert {
  return {
    code: 'outbox_unreadable',
    severity: 'critical',
    kind: 'condition',
    since: new Date(systemClock.now()).toISOString(),
    message:
      `The outbox file ${file} cannot be read (${describeError(error).message}): the queue and enrollment shown here are not known. ` +
      'Start the agent (the service, or "tya-agent run"): at start it checks the file, moves a damaged one aside with an alert, and reads the sources again. ' +
      'If an agent is starting right now, ask again in a moment.',
  };
}

function statusOf(loaded: LoadedConfig, outbox: Outbox | null, extraAlerts: Alert[] = []): AgentStatus {
  const tracker = new StatusTracker(systemClock, outbox ?? undefined);
  for (const source of loaded.config.sources) {
    tracker.registerSource(source.name, source.type);
    tracker.setSourceState(source.name, 'stopped');
  }
  const enrollment = outbox === null ? null : readEnrollment(outbox);
  return tracker.build({
    name: loaded.config.agent.name,
    version: AGENT_VERSION,
    startedAt: null,
    running: false,
    enrollment: enrollment && { agentId: enrollment.agentId, cloudUrl: enrollment.cloudUrl },
    stats: outbox?.stats() ?? {
      depth: 0,
      urgentDepth: 0,
      bytes: 0,
      maxBytes: loaded.config.outbox.maxBytes,
      oldestCapturedAt: null,
      deadLetters: 0,
      delivered: 0,
      nextAttemptAt: null,
    },
    alerts: [...extraAlerts, ...(outbox?.listAlerts() ?? [])],
    deliveredByStream: outbox?.deliveredByStream() ?? [],
  });
}
