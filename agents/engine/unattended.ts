/**
 * What runs for the agent when nobody watches it (issue 16 items 6 and 8): alert notifications
 * (notify/), the opt-in Prometheus endpoint (metrics/) and forgetting long-unchanged keys. agent.ts starts and stops both with one call each.
 */
import type { AgentConfig, AgentStatus } from '../api/index.ts';
import type { DelivererEvent } from '../delivery/index.ts';
import type { SecretResolver } from '../pipeline/source.ts';
import type { Logger } from '../telemetry/logger.ts';
import { startAlertNotifier, type AlertNotifierDeps } from './notify/alert-notifier.ts';
import type { MetricsServer } from './metrics/metrics-server.ts';
import type { KeyPurgeSlice } from '../outbox/key-memory-purge.ts';
import { startKeyPurgeTimer } from './key-purge-timer.ts';

export interface Unattended {
  noteDelivery(event: DelivererEvent): void;
  stop(): Promise<void>;
}

/** Raised by `tya-agent service notify-stopped` when systemd gives up on the agent; cleared when it runs again. */
export const AGENT_STOPPED_ALERT = 'agent_stopped';

export const IDLE_UNATTENDED: Unattended = { noteDelivery: () => undefined, stop: () => Promise.resolve() };

export async function startUnattended(deps: {
  config: () => AgentConfig;
  status: () => AgentStatus;
  outbox: AlertNotifierDeps['outbox'] & { clearAlert(code: string): void };
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  /** The outbox's key-memory purge; absent: keys are never forgotten. */
  purgeKeys?: (olderThanMs: number, limit: number) => KeyPurgeSlice;
}): Promise<Unattended> {
  const purgeKeys = deps.purgeKeys;
  const stopPurge =
    purgeKeys === undefined
      ? () => undefined
      : startKeyPurgeTimer({ purgeSlice: purgeKeys, afterDays: () => deps.config().outbox.forgetKeysAfterDays, now: deps.now, logger: deps.logger.child({ component: 'outbox' }) });
  // Running again: the channels that heard it stopped now hear "resolved" from the notifier.
  deps.outbox.clearAlert(AGENT_STOPPED_ALERT);
  const stopNotifier = startAlertNotifier({
    agentName: () => deps.config().agent.name,
    config: () => deps.config().notify,
    outbox: deps.outbox,
    secrets: deps.secrets,
    logger: deps.logger.child({ component: 'notify' }),
    now: deps.now,
  });
  const metricsConfig = deps.config().metrics;
  // Loaded only when /metrics is configured: prom-client costs the resident agent ~22 MiB.
  const metrics = metricsConfig === undefined ? null : (await import('./metrics/agent-metrics.ts')).createAgentMetrics(deps.status, deps.now);
  let server: MetricsServer | null = null;
  if (metricsConfig !== undefined && metrics !== null) {
    try {
      server = await (await import('./metrics/metrics-server.ts')).startMetricsServer(metricsConfig, metrics.registry);
      deps.logger.info({ url: server.url }, 'Serving Prometheus metrics.');
    } catch (error) {
      deps.logger.error(
        { host: metricsConfig.host, port: metricsConfig.port, reason: (error as Error).message },
        'Could not serve /metrics (is the port taken?): change metrics.port and restart the agent. Everything else runs.',
      );
    }
  }
  return {
    noteDelivery: (event) => metrics?.noteDelivery(event),
    stop: async () => {
      stopNotifier();
      stopPurge();
      await server?.close();
    },
  };
}
