import type { AgentStatus } from '../../agents/api/index.ts';

/** What the tray icon shows (issue 11): each has an icon per size in assets/icons/. */
export type TrayStateName = 'ok' | 'syncing' | 'attention' | 'error' | 'paused' | 'offline';
export const TRAY_STATES: readonly TrayStateName[] = ['ok', 'syncing', 'attention', 'error', 'paused', 'offline'];
export const TRAY_ICON_SIZES = [16, 24, 32, 48] as const;
export type TrayIconSize = (typeof TRAY_ICON_SIZES)[number];

export interface TrayState {
  state: TrayStateName;
  /** Tooltip in plain words, for a bookkeeper glancing at the tray (tooltips are cut at ~127 characters on Windows). */
  tooltip: string;
}

const MAX_TOOLTIP = 127;

/**
 * The tray must tell the truth: `error` when data is not flowing and a person must act (agent
 * down, revoked, a critical alert), `offline` when the cloud is unreachable (data waits safely),
 * `attention` when someone should look (dead letters, a failing source, warnings), `paused` when
 * every source is paused, `syncing` while changes are being sent, `ok` only when all is delivered.
 */
export function trayStateFromStatus(status: AgentStatus | null): TrayState {
  return clip(decide(status));
}

function decide(status: AgentStatus | null): TrayState {
  if (status === null || !status.agent.running) {
    return { state: 'error', tooltip: 'The sync agent is not running. Nothing is being sent.' };
  }
  if (!status.enrollment.enrolled) return { state: 'attention', tooltip: 'Not connected to Talk to Your Accounts yet. Open the dashboard to connect.' };
  if (status.enrollment.revoked) {
    return { state: 'error', tooltip: 'This agent was disconnected by the cloud. Data is kept but not sent.' };
  }
  const critical = status.alerts.find((a) => a.severity === 'critical');
  if (critical) return { state: 'error', tooltip: critical.message };
  if (status.cloud.reachable === false) {
    const waiting = status.queue.depth;
    return { state: 'offline', tooltip: waiting > 0 ? `Cannot reach the cloud; ${waiting} changes are waiting safely.` : 'Cannot reach the cloud; nothing is waiting.' };
  }
  const failing = status.sources.filter((s) => s.state === 'error');
  if (failing.length > 0) {
    return { state: 'attention', tooltip: `${failing.map((s) => s.name).join(', ')}: ${failing[0]?.lastError?.message ?? 'cannot be read'}` };
  }
  if (status.queue.deadLetters > 0) {
    return { state: 'attention', tooltip: `${status.queue.deadLetters} changes were refused by the cloud and need your attention.` };
  }
  if (status.alerts.length > 0) return { state: 'attention', tooltip: status.alerts[0]!.message };
  if (status.sources.length > 0 && status.sources.every((s) => s.state === 'paused')) {
    return { state: 'paused', tooltip: 'Reading is paused. Queued changes are still sent.' };
  }
  if (status.queue.depth > 0) return { state: 'syncing', tooltip: `Sending ${status.queue.depth} changes.` };
  return { state: 'ok', tooltip: 'Everything is up to date.' };
}

function clip(state: TrayState): TrayState {
  const tooltip = state.tooltip.length > MAX_TOOLTIP ? `${state.tooltip.slice(0, MAX_TOOLTIP - 1)}…` : state.tooltip;
  return { ...state, tooltip: `TYA Sync: ${tooltip}`.length <= MAX_TOOLTIP ? `TYA Sync: ${tooltip}` : tooltip };
}

/** assets/icons/tray-<state>-<size>.png (2x variants for HiDPI are `@2x`). */
export function trayIconFile(state: TrayStateName, size: TrayIconSize): string {
  return `tray-${state}-${size}.png`;
}
