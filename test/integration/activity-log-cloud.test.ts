import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../agents/api/index.ts';
import { healthyStatus } from '../../main/status-test-kit.ts';
import { ActivityLog, type ActivityKeeper } from '../../agents/control/service/activity-log.ts';

function keeper(): ActivityKeeper & { entries: ActivityEntry[] } {
  const entries: ActivityEntry[] = [];
  return { entries, addActivity: (e) => entries.push(e), hasActivity: () => false, listActivity: () => entries };
}

describe('ActivityLog and the cloud', () => {
  it('says "again" only after the cloud could not be reached, not for the first answer after a start', () => {
    const store = keeper();
    const log = new ActivityLog(store, () => '2026-12-08T00:00:00.000Z');
    const status = healthyStatus();
    const at = (reachable: boolean | null) => {
      status.cloud.reachable = reachable;
      status.cloud.lastError = reachable === false ? { code: 'network_error', message: 'connect ECONNREFUSED.', at: '2026-12-08T00:00:00.000Z' } : null;
      log.observe(status);
    };
    at(null);
    at(true);
    at(false);
    at(true);
    expect(store.entries.filter((e) => e.kind === 'cloud').map((e) => e.message)).toEqual([
      'The cloud answered; changes are being sent.',
      'The cloud cannot be reached: connect ECONNREFUSED. Changes are kept safely and sent later.',
      'The cloud is reachable again; queued changes are being sent.',
    ]);
  });
});
