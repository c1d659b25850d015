import { describe, expect, it } from 'vitest';
import { DayOfZone } from './record-tally.ts';

/** The day straight from Intl, record by record: what the remembered quarter hours must agree with. */
function intlDays(timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (ms) => format.format(ms);
}

describe('DayOfZone', () => {
  // DST in both directions, offsets of 30 and 45 minutes, a 30-minute DST (Lord Howe), a fall-back
  // at midnight (São Paulo 2018), and a local mean time that is no multiple of 15 minutes (Amsterdam 1890).
  const cases: Array<[string, string]> = [
    ['Europe/Berlin', '2026-03-29T00:00:00Z'],
    ['Europe/Berlin', '2026-10-24T21:00:00Z'],
    ['America/New_York', '2026-11-01T03:00:00Z'],
    ['Asia/Kathmandu', '2026-06-01T17:00:00Z'],
    ['Asia/Kolkata', '2026-06-01T17:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T13:00:00Z'],
    ['America/Sao_Paulo', '2018-02-18T00:00:00Z'],
    ['Europe/Amsterdam', '1890-01-01T22:00:00Z'],
    ['UTC', '2026-12-31T22:00:00Z'],
  ];

  it.each(cases)('gives the same day as Intl for every minute around a day change in %s (%s)', (zone, around) => {
    const days = new DayOfZone(zone);
    const intlDay = intlDays(zone);
    const start = Date.parse(around) - 3 * 3600_000;
    let compared = 0;
    // Every 61 seconds for six hours, plus the milliseconds on both sides of each quarter hour.
    for (let ms = start; ms < start + 6 * 3600_000; ms += 61_000) {
      for (const at of [ms, ms - (ms % 900_000), ms - (ms % 900_000) - 1]) {
        expect(days.dayOf(at)).toBe(intlDay(at));
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
