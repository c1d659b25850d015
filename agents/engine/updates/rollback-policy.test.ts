/** Rollback decisions with explicit instants: a crash loop, a start that never gets healthy, an offline but healthy agent. */
import { describe, expect, it } from 'vitest';
import { decideRollback, type StartAttempt } from './rollback-policy.ts';

const at = (iso: string) => Date.parse(iso);

function crashed(startIso: string, exitIso: string, exitCode = 1): StartAttempt {
  return { startedAtMs: at(startIso), healthyAtMs: null, exitedAtMs: at(exitIso), exitCode };
}

describe('decideRollback', () => {
  it('three exits within 10 minutes is a crash loop', () => {
    const attempts = [
      crashed('2026-12-05T02:00:00Z', '2026-12-05T02:00:05Z'),
      crashed('2026-12-05T02:00:15Z', '2026-12-05T02:00:20Z'),
      crashed('2026-12-05T02:01:00Z', '2026-12-05T02:01:04Z', 134),
    ];
    expect(decideRollback(attempts, at('2026-12-05T02:01:10Z'))).toEqual({
      action: 'rollback',
      reason: 'crash_loop',
      message: 'The new version ended 3 times within 1 min: it crash-loops, so the previous version is restored.',
    });
  });

  it('three exits spread over hours, or stops the operator asked for, are no crash loop', () => {
    const spread = [
      crashed('2026-12-05T02:00:00Z', '2026-12-05T02:00:05Z'),
      crashed('2026-12-05T03:00:00Z', '2026-12-05T03:00:05Z'),
      { startedAtMs: at('2026-12-05T04:00:00Z'), healthyAtMs: at('2026-12-05T04:00:03Z'), exitedAtMs: at('2026-12-05T04:30:00Z'), exitCode: 1 },
      { startedAtMs: at('2026-12-05T04:30:05Z'), healthyAtMs: at('2026-12-05T04:30:08Z'), exitedAtMs: null, exitCode: null },
    ];
    expect(decideRollback(spread, at('2026-12-05T04:31:00Z'))).toMatchObject({ action: 'keep', reason: 'watching' });
    const stops = [1, 2, 3].map((n) => ({ ...crashed(`2026-12-05T02:0${n}:00Z`, `2026-12-05T02:0${n}:30Z`, 0), healthyAtMs: at(`2026-12-05T02:0${n}:02Z`), stopRequested: true }));
    expect(decideRollback(stops, at('2026-12-05T02:04:00Z'))).toMatchObject({ action: 'keep' });
  });

  it('a start that reports no healthy status within 120 s fails to start', () => {
    const hanging = [{ startedAtMs: at('2026-12-05T02:00:00Z'), healthyAtMs: null, exitedAtMs: null, exitCode: null }];
    expect(decideRollback(hanging, at('2026-12-05T02:01:59Z'))).toMatchObject({ action: 'keep', reason: 'watching' });
    expect(decideRollback(hanging, at('2026-12-05T02:02:01Z'))).toEqual({
      action: 'rollback',
      reason: 'no_healthy_start',
      message: 'The new version has run 121 s without reporting itself healthy (limit 120 s): the previous version is restored.',
    });
  });

  it('healthy locally but the cloud unreachable: keep, even for hours, and confirm after probation', () => {
    const offline = [{ startedAtMs: at('2026-12-05T02:00:00Z'), healthyAtMs: at('2026-12-05T02:00:04Z'), exitedAtMs: null, exitCode: null, cloudReachable: false }];
    expect(decideRollback(offline, at('2026-12-05T02:10:00Z'))).toMatchObject({ action: 'keep', reason: 'healthy_offline', confirmed: false });
    expect(decideRollback(offline, at('2026-12-05T06:00:00Z'))).toMatchObject({ action: 'keep', reason: 'healthy_offline', confirmed: true });
  });

  it('an online healthy start is confirmed after 30 minutes; no attempt yet is watched', () => {
    const online = [{ startedAtMs: at('2026-12-05T02:00:00Z'), healthyAtMs: at('2026-12-05T02:00:04Z'), exitedAtMs: null, exitCode: null, cloudReachable: true }];
    expect(decideRollback(online, at('2026-12-05T02:29:00Z'))).toMatchObject({ action: 'keep', confirmed: false });
    expect(decideRollback(online, at('2026-12-05T02:31:00Z'))).toMatchObject({ action: 'keep', reason: 'confirmed', confirmed: true });
    expect(decideRollback([], at('2026-12-05T02:31:00Z'))).toMatchObject({ action: 'keep', reason: 'watching' });
  });
});
