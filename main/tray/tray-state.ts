import type { AgentStatus } from '../../agents/api/index.ts';

export type TrayColour = 'green' | 'amber' | 'red' | 'grey';

export interface TrayState {
  colour: TrayColour;
  /** Tooltip in plain words, for a bookkeeper glancing at the tray. */
  tooltip: string;
}

/**
 * The tray colour must tell the truth: red when data is not flowing (agent down, revoked, cloud
 * unreachable with a queue, outbox full), amber when someone should look (dead letters, a source
 * failing, warnings), green only when everything is delivered and healthy.
 */
export function trayStateFromStatus(status: AgentStatus | null): TrayState {
  if (status === null || !status.agent.running) {
    return { colour: 'red', tooltip: 'The sync agent is not running. Nothing is being sent.' };
  }
  if (!status.enrollment.enrolled) return { colour: 'grey', tooltip: 'Not connected to Talk to Your Accounts yet.' };
  if (status.enrollment.revoked) {
    return { colour: 'red', tooltip: 'This agent was disconnected by the cloud. Data is kept but not sent.' };
  }
  const critical = status.alerts.find((a) => a.severity === 'critical');
  if (critical) return { colour: 'red', tooltip: critical.message };
  if (status.cloud.reachable === false && status.queue.depth > 0) {
    return { colour: 'red', tooltip: `Cannot reach the cloud; ${status.queue.depth} changes are waiting safely.` };
  }
  const failing = status.sources.filter((s) => s.state === 'error');
  if (failing.length > 0) {
    return { colour: 'amber', tooltip: `${failing.map((s) => s.name).join(', ')}: ${failing[0]?.lastError?.message ?? 'failing'}` };
  }
  if (status.queue.deadLetters > 0) {
    return { colour: 'amber', tooltip: `${status.queue.deadLetters} changes need your attention.` };
  }
  if (status.alerts.length > 0) return { colour: 'amber', tooltip: status.alerts[0]!.message };
  return { colour: 'green', tooltip: status.queue.depth === 0 ? 'Everything is up to date.' : `Sending ${status.queue.depth} changes.` };
}
