/**
 * The local control API of a running agent (agents/control/): the dashboard service and the
 * handlers the control routes call. Apart from agent.ts so the composition root stays short.
 */
import { startControlServer, type ControlServer } from '../control/index.ts';
import { createDashboardService, type AgentHost } from '../control/service/dashboard-service.ts';
import { AGENT_VERSION } from './version.ts';

export interface ControlHost extends AgentHost {
  syncNow(source?: string): Promise<void>;
  /** Puts dead letters back in the queue and wakes delivery; returns how many. */
  replayDeadLetters(ids: number[] | 'all'): number;
}

export interface RunningControl {
  close(): Promise<void>;
}

export async function startAgentControl(host: ControlHost): Promise<RunningControl> {
  const { config } = host.loaded;
  const dashboard = createDashboardService(host);
  let control: ControlServer;
  try {
    control = await startControlServer({
      dashboard,
      port: config.control.port,
      operatorGroup: config.control.operatorGroup,
      alerts: host.outbox,
      dataDir: host.layout.root,
      logger: host.logger.child({ component: 'control' }),
      version: AGENT_VERSION,
      handlers: {
        status: () => host.status(),
        syncNow: (source) => host.syncNow(source),
        listDeadLetters: (limit) => Promise.resolve(host.outbox.listDeadLetters({ limit })),
        replayDeadLetters: (ids) => Promise.resolve(dashboard.noteDeadLetters('retried', host.replayDeadLetters(ids))),
        discardDeadLetters: (ids) =>
          Promise.resolve(dashboard.noteDeadLetters('discarded', host.outbox.discardDeadLetters(ids))),
        acknowledgeAlerts: (codes) => Promise.resolve(host.outbox.acknowledgeAlerts(codes)),
      },
    });
  } catch (error) {
    dashboard.close();
    throw error;
  }
  return {
    close: async () => {
      await control.close();
      dashboard.close();
    },
  };
}
