import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { healthyStatus } from '../status-test-kit.ts';
import { TRAY_STATES, trayIconFile, trayStateFromStatus } from './tray-state.ts';

function status(change: (s: AgentStatus) => void): AgentStatus {
  const copy = healthyStatus();
  change(copy);
  return copy;
}

describe('trayStateFromStatus', () => {
  it('tells the truth for every state, most urgent first', () => {
    const cases: Array<[string, AgentStatus | null, string, RegExp]> = [
      ['no agent', null, 'error', /not running/],
      ['stopped', status((s) => (s.agent.running = false)), 'error', /not running/],
      ['not enrolled', status((s) => (s.enrollment.enrolled = false)), 'attention', /Not connected/],
      ['revoked', status((s) => (s.enrollment.revoked = true)), 'error', /disconnected by the cloud/],
      ['critical alert', status((s) => s.alerts.push({ code: 'outbox_full', severity: 'critical', message: 'The local queue is full.', since: '2026-03-01T08:00:00Z' })), 'error', /queue is full/],
      ['offline with a queue', status((s) => ((s.cloud.reachable = false), (s.queue.depth = 12))), 'offline', /12 changes are waiting safely/],
      ['offline, empty', status((s) => (s.cloud.reachable = false)), 'offline', /nothing is waiting/],
      ['failing source', status((s) => ((s.sources[0]!.state = 'error'), (s.sources[0]!.lastError = { code: 'x', message: 'login refused', at: '2026-03-01T08:00:00Z' }))), 'attention', /erp: login refused/],
      ['dead letters', status((s) => (s.queue.deadLetters = 2)), 'attention', /2 changes were refused/],
      ['warning', status((s) => s.alerts.push({ code: 'w', severity: 'warning', message: 'Disk is getting full.', since: '2026-03-01T08:00:00Z' })), 'attention', /Disk/],
      ['paused', status((s) => (s.sources[0]!.state = 'paused')), 'paused', /paused/],
      ['sending', status((s) => (s.queue.depth = 3)), 'syncing', /Sending 3 changes/],
      ['all done', status(() => undefined), 'ok', /up to date/],
    ];
    for (const [name, input, state, tooltip] of cases) {
      const result = trayStateFromStatus(input);
      expect(result.state, name).toBe(state);
      expect(result.tooltip, name).toMatch(tooltip);
    }
  });

  it('never makes a tooltip longer than Windows shows (127 characters)', () => {
    const long = status((s) => s.alerts.push({ code: 'c', severity: 'critical', message: 'x'.repeat(500), since: '2026-03-01T08:00:00Z' }));
    expect(trayStateFromStatus(long).tooltip.length).toBeLessThanOrEqual(127);
    expect(trayStateFromStatus(status(() => undefined)).tooltip).toBe('TYA Sync: Everything is up to date.');
  });

  it('names one icon file per state and size', () => {
    expect(new Set(TRAY_STATES.map((s) => trayIconFile(s, 16))).size).toBe(TRAY_STATES.length);
    expect(trayIconFile('offline', 32)).toBe('tray-offline-32.png');
  });
});
