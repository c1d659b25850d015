import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../agents/api/index.ts';
import { healthyStatus } from '../status-test-kit.ts';
import { NotificationRules } from './notification-rules.ts';

const MIN = 60_000;

function withNotice(status: AgentStatus, message: string, at: string): AgentStatus {
  const copy = structuredClone(status);
  copy.sources[0]!.notices = [{ message, at }, ...(copy.sources[0]!.notices ?? [])];
  return copy;
}

describe('NotificationRules', () => {
  it('says nothing about what was already there when the app starts', () => {
    const rules = new NotificationRules();
    const start = withNotice({ ...healthyStatus(), queue: { ...healthyStatus().queue, deadLetters: 4 } }, 'Z-00411 (register till-1) uploaded.', '2026-03-01T08:00:00Z');
    expect(rules.update(start, 0)).toEqual([]);
  });

  it('notifies a shift close uploaded and a file rejected, each once', () => {
    const rules = new NotificationRules();
    let status = healthyStatus();
    rules.update(status, 0);
    status = withNotice(status, 'Z-00412 (register till-1) uploaded.', '2026-03-01T08:01:00Z');
    expect(rules.update(status, 1000).map((n) => [n.kind, n.body])).toEqual([['shift-uploaded', 'Z-00412 (register till-1) uploaded.']]);
    expect(rules.update(status, 2000)).toEqual([]);
    status = structuredClone(status);
    status.alerts.push({ code: 'file_quarantined:bank:wrong.xml', severity: 'warning', message: 'wrong.xml was rejected: the closing balance does not match.', since: '2026-03-01T08:02:00Z' });
    expect(rules.update(status, 3000).map((n) => n.kind)).toEqual(['file-rejected']);
  });

  it('notifies a new critical alert once, not a warning, and again only when it comes back after clearing', () => {
    const rules = new NotificationRules({ offlineAfterMs: 10 * MIN, cooldownMs: 0, windowMs: MIN, maxPerWindow: 3 });
    const failing = { code: 'source_failing:pos-db', severity: 'critical' as const, message: 'pos-db has failed for 15 minutes: the login was refused.', since: '2026-03-01T08:15:00Z', kind: 'condition' as const };
    const warning = { code: 'notify_failing:email', severity: 'warning' as const, message: 'Alerts cannot be sent by e-mail.', since: '2026-03-01T08:16:00Z', kind: 'condition' as const };
    let status = healthyStatus();
    rules.update(status, 0);
    status = { ...structuredClone(status), alerts: [failing, warning] };
    expect(rules.update(status, 1000)).toEqual([{ kind: 'needs-attention', title: 'Needs attention', body: failing.message }]);
    expect(rules.update(status, 2 * MIN)).toEqual([]);
    rules.update({ ...status, alerts: [] }, 3 * MIN);
    expect(rules.update(status, 4 * MIN).map((n) => n.kind)).toEqual(['needs-attention']);
  });

  it('notifies being offline only after N minutes, once per outage', () => {
    const rules = new NotificationRules({ offlineAfterMs: 10 * MIN, cooldownMs: 0, windowMs: MIN, maxPerWindow: 3 });
    const offline = structuredClone(healthyStatus());
    offline.cloud.reachable = false;
    offline.queue.depth = 5;
    rules.update(healthyStatus(), 0);
    expect(rules.update(offline, 1 * MIN)).toEqual([]);
    expect(rules.update(offline, 10 * MIN)).toEqual([]);
    const shown = rules.update(offline, 11 * MIN);
    expect(shown).toEqual([{ kind: 'offline', title: 'Cannot reach the cloud', body: 'Offline for 10 minutes; 5 changes are waiting safely.' }]);
    expect(rules.update(offline, 30 * MIN)).toEqual([]);
    rules.update(healthyStatus(), 31 * MIN);
    rules.update(offline, 32 * MIN);
    expect(rules.update(offline, 43 * MIN).map((n) => n.kind)).toEqual(['offline']);
  });

  it('notifies dead letters when their number grows', () => {
    const rules = new NotificationRules();
    rules.update(healthyStatus(), 0);
    const dead = structuredClone(healthyStatus());
    dead.queue.deadLetters = 2;
    expect(rules.update(dead, 1000).map((n) => n.kind)).toEqual(['dead-letters']);
    expect(rules.update(dead, 2000)).toEqual([]);
  });

  it('holds back a storm: at most three a minute, the same kind not within its cooldown, then one summary', () => {
    const rules = new NotificationRules({ offlineAfterMs: 10 * MIN, cooldownMs: 5 * MIN, windowMs: MIN, maxPerWindow: 3 });
    let status = healthyStatus();
    rules.update(status, 0);
    let shown = 0;
    for (let i = 0; i < 50; i++) {
      status = withNotice(status, `Z-${String(500 + i).padStart(5, '0')} (register till-1) uploaded.`, `2026-03-01T08:${String(i).padStart(2, '0')}:00Z`);
      shown += rules.update(status, 1000 + i * 100).length;
    }
    // 50 shift closes in five seconds: one notification (the kind's cooldown holds the rest).
    expect(shown).toBe(1);
    const later = rules.update(status, 2 * MIN);
    expect(later).toEqual([{ kind: 'summary', title: 'More happened', body: '49 more notifications were held back. Open the dashboard to see the activity.' }]);
    expect(rules.update(status, 3 * MIN)).toEqual([]);
  });
});
