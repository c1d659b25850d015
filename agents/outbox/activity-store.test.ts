/** The activity list and the chart samples live in the outbox: kept across a restart, filterable, bounded. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistorySampler } from '../control/service/history-sampler.ts';
import { ACTIVITY_KEEP_DAYS } from './activity-store.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
});
afterEach(() => tmp.remove());

describe('activity in the outbox', () => {
  it('keeps entries across a restart and filters them by kind, source and words', () => {
    const path = tmp.path('o.db');
    const outbox = openTestOutbox(path, clock);
    outbox.addActivity({ at: '2026-11-29T10:00:00.000Z', kind: 'file', source: 'bank', message: 'Statement 2026-11 imported.' });
    outbox.addActivity({ at: '2026-11-29T10:01:00.000Z', kind: 'file', source: 'tills', message: 'Z-00412 uploaded.' });
    outbox.addActivity({ at: '2026-11-29T10:02:00.000Z', kind: 'config', source: null, message: 'The settings were changed.' });
    outbox.close();

    const reopened = openTestOutbox(path, clock);
    expect(reopened.listActivity({ limit: 10 }).map((e) => e.message)).toEqual([
      'The settings were changed.',
      'Z-00412 uploaded.',
      'Statement 2026-11 imported.',
    ]);
    expect(reopened.listActivity({ kind: 'file', limit: 10 }).map((e) => e.source)).toEqual(['tills', 'bank']);
    expect(reopened.listActivity({ source: 'bank', limit: 10 }).map((e) => e.message)).toEqual(['Statement 2026-11 imported.']);
    // Case-insensitive words; a % is a character, not a wildcard.
    expect(reopened.listActivity({ text: 'z-004', limit: 10 }).map((e) => e.message)).toEqual(['Z-00412 uploaded.']);
    expect(reopened.listActivity({ text: '%', limit: 10 })).toEqual([]);
    expect(reopened.listActivity({ kind: 'file', text: 'imported', limit: 1 })).toHaveLength(1);
    expect(reopened.hasActivity({ kind: 'file', at: '2026-11-29T10:01:00.000Z', message: 'Z-00412 uploaded.' })).toBe(true);
    reopened.close();
  });

  it(`forgets entries older than ${ACTIVITY_KEEP_DAYS} days`, () => {
    const outbox = openTestOutbox(tmp.path('o.db'), clock);
    outbox.addActivity({ at: '2026-01-01T00:00:00.000Z', kind: 'cloud', source: null, message: 'old' });
    outbox.addActivity({ at: '2026-11-29T00:00:00.000Z', kind: 'cloud', source: null, message: 'new' });
    expect(outbox.listActivity({ limit: 10 }).map((e) => e.message)).toEqual(['new']);
    outbox.close();
  });
});

describe('the 24-hour charts', () => {
  it('draw from kept samples, so a restart does not blank them', () => {
    const path = tmp.path('o.db');
    const start = Date.parse('2026-11-29T10:00:00Z');
    const outbox = openTestOutbox(path, clock);
    const sampler = new HistorySampler(outbox);
    sampler.sample(start, 100, 5);
    sampler.sample(start + 60_000, 130, 2);
    outbox.close();

    const reopened = openTestOutbox(path, clock);
    const after = new HistorySampler(reopened);
    // The running total kept counting in the outbox while the agent was down for two minutes.
    after.sample(start + 180_000, 131, 0);
    const points = after.points(start + 200_000, 140, 1);
    expect(points.map((p) => [p.at.slice(11, 19), p.delivered, p.depth])).toEqual([
      ['10:00:00', 0, 5],
      ['10:01:00', 30, 2],
      ['10:03:00', 1, 0],
      ['10:03:20', 9, 1],
    ]);
    // A day later only the last day is drawn; the sample before the window is only subtracted from.
    const later = after.points(start + 24 * 3600_000 + 90_000, 131, 0);
    expect(later.map((p) => [p.at.slice(11, 19), p.delivered])).toEqual([
      ['10:03:00', 1],
      ['10:01:30', 0],
    ]);
    reopened.close();
  });
});
