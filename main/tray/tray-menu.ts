/**
 * The tray menu as data (issue 11): Open dashboard, Sync now, Pause/Resume, Quit, with the status
 * line on top. main/index.ts turns it into an Electron Menu; the decisions are tested here.
 */
import type { AgentStatus } from '../../agents/api/index.ts';
import { trayStateFromStatus } from './tray-state.ts';

export type TrayAction = 'open-dashboard' | 'sync-now' | 'pause' | 'resume' | 'quit';

export type TrayMenuItem =
  | { type: 'status'; label: string }
  | { type: 'separator' }
  | { type: 'action'; action: TrayAction; label: string; enabled: boolean; accelerator?: string };

export function trayMenuTemplate(status: AgentStatus | null): TrayMenuItem[] {
  const running = status?.agent.running === true;
  const sources = status?.sources ?? [];
  const allPaused = sources.length > 0 && sources.every((s) => s.state === 'paused');
  return [
    { type: 'status', label: trayStateFromStatus(status).tooltip.replace(/^TYA Sync: /, '') },
    { type: 'separator' },
    { type: 'action', action: 'open-dashboard', label: 'Open dashboard', enabled: true },
    { type: 'action', action: 'sync-now', label: 'Sync now', enabled: running && sources.length > 0 && !allPaused },
    allPaused
      ? { type: 'action', action: 'resume', label: 'Resume reading', enabled: running }
      : { type: 'action', action: 'pause', label: 'Pause reading', enabled: running && sources.length > 0 },
    { type: 'separator' },
    { type: 'action', action: 'quit', label: 'Quit', enabled: true, accelerator: 'CommandOrControl+Q' },
  ];
}
