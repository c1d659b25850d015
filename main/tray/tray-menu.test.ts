import { describe, expect, it } from 'vitest';
import { healthyStatus } from '../status-test-kit.ts';
import { trayMenuTemplate, type TrayMenuItem } from './tray-menu.ts';

const actions = (items: TrayMenuItem[]) => items.flatMap((i) => (i.type === 'action' ? [`${i.action}:${i.enabled ? 'on' : 'off'}`] : []));

describe('trayMenuTemplate', () => {
  it('offers open, sync, pause and quit when the agent runs, with the status on top', () => {
    const menu = trayMenuTemplate(healthyStatus());
    expect(menu[0]).toEqual({ type: 'status', label: 'Everything is up to date.' });
    expect(actions(menu)).toEqual(['open-dashboard:on', 'sync-now:on', 'pause:on', 'quit:on']);
  });

  it('offers resume instead of pause when every source is paused, and no sync', () => {
    const status = healthyStatus();
    status.sources[0]!.state = 'paused';
    expect(actions(trayMenuTemplate(status))).toEqual(['open-dashboard:on', 'sync-now:off', 'resume:on', 'quit:on']);
  });

  it('keeps only open and quit usable when no agent runs', () => {
    expect(actions(trayMenuTemplate(null))).toEqual(['open-dashboard:on', 'sync-now:off', 'pause:off', 'quit:on']);
    expect(trayMenuTemplate(null)[0]).toEqual({ type: 'status', label: 'The sync agent is not running. Nothing is being sent.' });
  });
});
