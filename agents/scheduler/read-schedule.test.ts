/** A source's schedule across reads and restarts, with explicit instants and a persisted last slot. */
import { describe, expect, it } from 'vitest';
import { SourceScheduleSchema } from '../api/index.ts';
import { ReadSchedule, SCHEDULE_RECHECK_MS, type ScheduleStateStore } from './read-schedule.ts';

const at = (iso: string) => Date.parse(iso);

function store(): ScheduleStateStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return { values, getState: (key) => values.get(key), setState: (key, value) => void values.set(key, value) };
}

function schedule(config: unknown, state: ScheduleStateStore): ReadSchedule {
  return new ReadSchedule({
    source: 'erp',
    config: SourceScheduleSchema.parse(config),
    defaultTimeZone: 'Europe/Berlin',
    state,
  });
}

describe('a nightly read', () => {
  it('a new schedule waits for its first time, reads then, and remembers the slot it ran', () => {
    const state = store();
    const nightly = schedule({ readAt: '0 2 * * *' }, state);
    nightly.start(at('2026-12-05T10:00:00Z'));
    expect(nightly.isDue(at('2026-12-05T10:00:00Z'))).toBe(false);
    expect(nightly.status(at('2026-12-05T10:00:00Z'))).toMatchObject({
      nextReadAt: '2026-12-06T01:00:00.000Z',
      readsAllowed: true,
      missedRuns: 0,
    });
    expect(nightly.waitMs(at('2026-12-05T10:00:00Z'), 10_000)).toBe(SCHEDULE_RECHECK_MS);
    expect(nightly.waitMs(at('2026-12-06T00:59:30Z'), 10_000)).toBe(30_000);
    expect(nightly.isDue(at('2026-12-06T01:00:20Z'))).toBe(true);
    nightly.readDone(at('2026-12-06T01:04:00Z'));
    expect(state.values.get('schedule.lastSlot:erp')).toBe(String(at('2026-12-06T01:00:00Z')));
    expect(nightly.isDue(at('2026-12-06T01:05:00Z'))).toBe(false);
  });

  it('after three nights down: run-once reads once at start, skip waits for tonight; status says how many were missed', () => {
    for (const [policy, due] of [
      ['run-once', true],
      ['skip', false],
    ] as const) {
      const state = store();
      state.setState('schedule.lastSlot:erp', String(at('2026-12-06T01:00:00Z')));
      const restarted = schedule({ readAt: '0 2 * * *', missedRuns: policy }, state);
      const now = at('2026-12-09T09:00:00Z');
      restarted.start(now);
      expect(restarted.isDue(now)).toBe(due);
      expect(restarted.status(now)).toMatchObject({
        missedRuns: 3,
        missedRunPolicy: policy,
        nextReadAt: '2026-12-10T01:00:00.000Z',
      });
      if (due) {
        restarted.readDone(now + 60_000);
        // The catch-up stands for the newest missed night, so tonight is the next one, not another catch-up.
        expect(restarted.isDue(now + 120_000)).toBe(false);
        expect(state.values.get('schedule.lastSlot:erp')).toBe(String(at('2026-12-09T01:00:00Z')));
      }
    }
  });
});

describe('business hours', () => {
  it('reads pause during office hours in the schedule zone and resume at 18:00', () => {
    const office = schedule({ timeZone: 'Europe/Vienna', pauseDuring: ['mon-fri 08:00-18:00'] }, store());
    const mondayTen = at('2026-12-07T09:00:00Z');
    office.start(mondayTen);
    expect(office.readsAllowed(mondayTen)).toBe(false);
    expect(office.isDue(mondayTen)).toBe(true); // no read times: due whenever the window allows
    expect(office.status(mondayTen)).toMatchObject({
      timeZone: 'Europe/Vienna',
      readAt: null,
      readsAllowed: false,
      windowChangeAt: '2026-12-07T17:00:00.000Z',
    });
    expect(office.waitMs(at('2026-12-07T16:59:50Z'), 10_000)).toBe(10_000);
    expect(office.readsAllowed(at('2026-12-07T17:00:00Z'))).toBe(true);
  });

  it('the config refuses both kinds of window at once, and bad windows or cron times with the reason', () => {
    expect(
      SourceScheduleSchema.safeParse({ pauseDuring: ['mon-fri 08:00-18:00'], onlyDuring: ['sat 00:00-12:00'] }).success,
    ).toBe(false);
    const badCron = SourceScheduleSchema.safeParse({ readAt: '0 25 * * *' });
    expect(badCron.error?.issues[0]?.message).toMatch(/hour "25" is outside 0–23/);
    const badWindow = SourceScheduleSchema.safeParse({ pauseDuring: ['weekdays 8-18'] });
    expect(badWindow.error?.issues[0]?.message).toMatch(/is not a time window/);
  });
});
