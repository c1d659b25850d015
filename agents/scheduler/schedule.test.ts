/**
 * Scheduling decisions with explicit dates and zones: no fake timers, no "now". The daylight-saving
 * expectations are Debian cron's (man 8 cron), which the README promises.
 */
import { describe, expect, it } from 'vitest';
import { CronSyntaxError, parseCron } from '../api/cron-expression.ts';
import { parseTimeWindow, TimeWindowSyntaxError } from '../api/time-window-syntax.ts';
import { decideMissedRuns } from './missed-runs.ts';
import { nextRun, runsBetween } from './next-run.ts';
import { nextWindowChange, readsAllowedAt } from './time-window.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

describe('cron expressions', () => {
  it('reads lists, ranges, steps, names and shorthands', () => {
    const cron = parseCron('*/15 8-17 * jan,jul mon-fri');
    expect([...cron.minutes]).toEqual([0, 15, 30, 45]);
    expect([...cron.hours]).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...cron.months]).toEqual([1, 7]);
    expect([...cron.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(cron.fixedTime).toBe(false);
    expect(parseCron('@daily').fixedTime).toBe(true);
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]);
    expect([...parseCron('5/20 * * * *').minutes]).toEqual([5, 25, 45]);
  });

  it.each([
    ['0 2 * *', /five/],
    ['61 2 * * *', /minute "61" is outside 0–59/],
    ['0 25 * * *', /hour "25" is outside 0–23/],
    ['0 2 * * funday', /day of week field "funday"/],
    ['0 18-8 * * *', /runs backwards/],
    ['@reboot', /run-once/],
  ])('refuses %s with a message that names the field', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronSyntaxError);
    expect(() => parseCron(expression)).toThrow(message);
  });
});

describe('next run', () => {
  it('a nightly job runs at its wall time in the zone, in winter and in summer', () => {
    const nightly = parseCron('0 2 * * *');
    expect(iso(nextRun(nightly, BERLIN, at('2026-12-05T12:00:00Z')))).toBe('2026-12-06T01:00:00.000Z');
    expect(iso(nextRun(nightly, BERLIN, at('2026-07-05T12:00:00Z')))).toBe('2026-07-06T00:00:00.000Z');
    expect(iso(nextRun(nightly, NEW_YORK, at('2026-12-05T12:00:00Z')))).toBe('2026-12-06T07:00:00.000Z');
  });

  it('spring forward: a 02:30 job runs at 03:00 on the day 02:30 does not exist, then at 02:30 again', () => {
    const job = parseCron('30 2 * * *');
    const first = nextRun(job, BERLIN, at('2026-03-28T12:00:00Z'));
    expect(iso(first)).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST, the moment of the jump
    expect(iso(nextRun(job, BERLIN, first!))).toBe('2026-03-30T00:30:00.000Z'); // 02:30 CEST
    expect(iso(nextRun(job, NEW_YORK, at('2026-03-07T12:00:00Z')))).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
  });

  it('fall back: a 01:30 (New York) or 02:30 (Berlin) job runs once on the day that hour repeats', () => {
    const berlin = runsBetween(
      parseCron('30 2 * * *'),
      BERLIN,
      at('2026-10-24T12:00:00Z'),
      at('2026-10-26T12:00:00Z'),
      10,
    );
    expect(berlin.map(iso)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    const newYork = runsBetween(
      parseCron('30 1 * * *'),
      NEW_YORK,
      at('2026-10-31T12:00:00Z'),
      at('2026-11-02T12:00:00Z'),
      10,
    );
    expect(newYork.map(iso)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('a job with * in its minute or hour keeps its rhythm in real time across both changes', () => {
    const halfHourly = parseCron('*/30 * * * *');
    const fallBack = runsBetween(halfHourly, BERLIN, at('2026-10-24T22:00:00Z'), at('2026-10-25T03:00:00Z'), 100);
    expect(fallBack).toHaveLength(10); // the repeated hour runs twice: every 30 minutes of real time
    expect(fallBack.every((run, i) => i === 0 || run - fallBack[i - 1]! === 30 * 60_000)).toBe(true);
    const spring = runsBetween(halfHourly, BERLIN, at('2026-03-28T22:00:00Z'), at('2026-03-29T03:00:00Z'), 100);
    expect(spring).toHaveLength(10);
    expect(spring.every((run, i) => i === 0 || run - spring[i - 1]! === 30 * 60_000)).toBe(true);
    // Hour fixed, minute wildcard: follows the clock, so nothing runs in the skipped hour.
    const inGap = runsBetween(
      parseCron('*/15 2 * * *'),
      BERLIN,
      at('2026-03-28T12:00:00Z'),
      at('2026-03-29T12:00:00Z'),
      10,
    );
    expect(inGap).toEqual([]);
  });

  it('two restricted day fields mean either; an impossible date never runs', () => {
    const thirteenthOrFriday = parseCron('0 9 13 * fri');
    const runs = runsBetween(thirteenthOrFriday, 'UTC', at('2026-11-01T00:00:00Z'), at('2026-11-30T00:00:00Z'), 10);
    expect(runs.map((run) => new Date(run).getUTCDate())).toEqual([6, 13, 20, 27]);
    expect(nextRun(parseCron('0 0 30 2 *'), 'UTC', at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(iso(nextRun(parseCron('0 0 29 2 *'), 'UTC', at('2026-03-01T00:00:00Z')))).toBe('2028-02-29T00:00:00.000Z');
  });

  it('bank statements every business day at 07:30', () => {
    const job = parseCron('30 7 * * mon-fri');
    const runs = runsBetween(job, BERLIN, at('2026-12-04T12:00:00Z'), at('2026-12-09T12:00:00Z'), 10);
    expect(runs.map(iso)).toEqual(['2026-12-07T06:30:00.000Z', '2026-12-08T06:30:00.000Z', '2026-12-09T06:30:00.000Z']);
  });
});

describe('missed runs after a downtime', () => {
  const nightly = parseCron('0 2 * * *');
  const base = {
    cron: nightly,
    zone: BERLIN,
    lastSlotAt: at('2026-12-01T01:00:00Z'),
    nowMs: at('2026-12-04T09:00:00Z'),
  };

  it('run-once catches up once however many slots were missed; skip waits for the next slot', () => {
    const once = decideMissedRuns({ ...base, policy: 'run-once' });
    expect(once).toMatchObject({ runNow: true, missed: 3 });
    expect(iso(once.latestMissedAt)).toBe('2026-12-04T01:00:00.000Z');
    expect(iso(once.nextAt)).toBe('2026-12-05T01:00:00.000Z');
    expect(decideMissedRuns({ ...base, policy: 'skip' })).toMatchObject({ runNow: false, missed: 3 });
  });

  it('nothing is missed when the last slot is the latest, or the schedule never ran', () => {
    expect(decideMissedRuns({ ...base, policy: 'run-once', lastSlotAt: at('2026-12-04T01:00:00Z') })).toMatchObject({
      runNow: false,
      missed: 0,
    });
    expect(decideMissedRuns({ ...base, policy: 'run-once', lastSlotAt: null })).toMatchObject({
      runNow: false,
      missed: 0,
    });
  });
});

describe('business-hour windows', () => {
  const office = [parseTimeWindow('mon-fri 08:00-18:00')];

  it('pauses heavy reads during office hours on weekdays, and says when that changes', () => {
    const mondayMorning = at('2026-12-07T09:00:00Z'); // 10:00 in Berlin
    expect(readsAllowedAt('pause-during', office, BERLIN, mondayMorning)).toBe(false);
    expect(iso(nextWindowChange('pause-during', office, BERLIN, mondayMorning))).toBe('2026-12-07T17:00:00.000Z');
    expect(readsAllowedAt('pause-during', office, BERLIN, at('2026-12-05T10:00:00Z'))).toBe(true); // Saturday
    expect(iso(nextWindowChange('pause-during', office, BERLIN, at('2026-12-05T10:00:00Z')))).toBe(
      '2026-12-07T07:00:00.000Z',
    );
    expect(readsAllowedAt('only-during', office, BERLIN, mondayMorning)).toBe(true);
  });

  it('a window past midnight belongs to the day it starts on', () => {
    const night = [parseTimeWindow('fri 22:00-06:00')];
    expect(readsAllowedAt('only-during', night, 'UTC', at('2026-12-05T03:00:00Z'))).toBe(true); // Saturday 03:00
    expect(readsAllowedAt('only-during', night, 'UTC', at('2026-12-06T03:00:00Z'))).toBe(false); // Sunday 03:00
  });

  it.each(['weekdays 8-18', 'mon-fri 08:00-08:00', 'mon-xyz 08:00-18:00', 'mon 25:00-26:00'])(
    'refuses "%s"',
    (text) => {
      expect(() => parseTimeWindow(text)).toThrow(TimeWindowSyntaxError);
    },
  );
});
