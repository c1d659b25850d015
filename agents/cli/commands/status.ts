import type { AgentStatus } from '../../api/index.ts';
import { ControlClient, AgentNotRunningError } from '../../control/index.ts';
import { readEnrollment } from '../../delivery/index.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { StatusTracker } from '../../engine/status-tracker.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { formatStatus, needsAttention } from '../format-status.ts';

/**
 * `tya-agent status`: asks the running agent; when none runs, reads the queue on disk read-only so an
 * admin still sees what is waiting. Exit 0 healthy, 3 needs attention, 8 not running.
 */
export async function statusCommand(options: { config?: string; json?: boolean }, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const status = (await liveStatus(loaded.dataDir)) ?? offlineStatus(loaded);
  io.out(options.json ? JSON.stringify(status, null, 2) : formatStatus(status, Date.now()));
  if (!status.agent.running) return ExitCode.notRunning;
  return needsAttention(status) ? ExitCode.incomplete : ExitCode.ok;
}

async function liveStatus(dataDir: string): Promise<AgentStatus | null> {
  const client = ControlClient.fromDataDir(dataDir, { timeoutMs: 10_000 });
  if (client === null) return null;
  try {
    return await client.status();
  } catch (error) {
    if (error instanceof AgentNotRunningError) return null;
    throw error;
  }
}

/** Status of a stopped agent, from its outbox file (read-only: never competes with a starting agent). */
export function offlineStatus(loaded: LoadedConfig): AgentStatus {
  const outbox = Outbox.openReadonly(dataDirLayout(loaded.dataDir).outbox, systemClock);
  try {
    const tracker = new StatusTracker(systemClock);
    for (const source of loaded.config.sources) {
      tracker.registerSource(source.name, source.type);
      tracker.setSourceState(source.name, 'stopped');
    }
    const enrollment = readEnrollment(outbox);
    return tracker.build({
      name: loaded.config.agent.name,
      version: AGENT_VERSION,
      startedAt: null,
      running: false,
      enrollment: enrollment && { agentId: enrollment.agentId, cloudUrl: enrollment.cloudUrl },
      stats: outbox.stats(),
      alerts: outbox.listAlerts(),
    });
  } finally {
    outbox.close();
  }
}
