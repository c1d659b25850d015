import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, naiveTimestampToRfc3339, offsetTimestampToRfc3339 } from './zoned-time.ts';

describe('naiveTimestampToRfc3339', () => {
  it.each([
    ['2024-01-15 08:30:00.123456', 'UTC', '2024-01-15T08:30:00.123456+00:00'],
    ['2024-01-15 08:30:00.123456', 'Europe/Berlin', '2024-01-15T08:30:00.123456+01:00'],
    ['2024-07-15 08:30:00.000001', 'Europe/Berlin', '2024-07-15T08:30:00.000001+02:00'],
    ['2024-07-15T23:59:59.5', 'Asia/Kolkata', '2024-07-15T23:59:59.5+05:30'],
    ['2024-01-15 12:00', 'America/New_York', '2024-01-15T12:00:00-05:00'],
    // Lord Howe moves by 30 minutes; Chatham sits at +12:45/+13:45.
    ['2024-01-15 12:00:00', 'Australia/Lord_Howe', '2024-01-15T12:00:00+11:00'],
    ['2024-07-15 12:00:00', 'Australia/Lord_Howe', '2024-07-15T12:00:00+10:30'],
    ['2024-01-15 12:00:00', 'Pacific/Chatham', '2024-01-15T12:00:00+13:45'],
    // Years below 100 are not shifted into the 1900s.
    ['0099-06-01 00:00:00', 'UTC', '0099-06-01T00:00:00+00:00'],
  ])('%s in %s → %s', (text, zone, expected) => {
    expect(naiveTimestampToRfc3339(text, zone)).toBe(expected);
  });

  it('takes the offset before the jump for a wall-clock time in a spring-forward gap', () => {
    // 2024-03-10 02:00 EST → 03:00 EDT in New York; 02:30 does not exist.
    expect(naiveTimestampToRfc3339('2024-03-10 02:30:00', 'America/New_York')).toBe('2024-03-10T02:30:00-05:00');
    // Europe/Berlin jumps 02:00 → 03:00 on 2024-03-31.
    expect(naiveTimestampToRfc3339('2024-03-31 02:59:59.999999', 'Europe/Berlin')).toBe('2024-03-31T02:59:59.999999+01:00');
  });

  it('takes the earlier instant for a wall-clock time that happens twice', () => {
    // 2024-11-03 02:00 EDT → 01:00 EST in New York; 01:30 happens first at -04:00.
    expect(naiveTimestampToRfc3339('2024-11-03 01:30:00', 'America/New_York')).toBe('2024-11-03T01:30:00-04:00');
    expect(naiveTimestampToRfc3339('2024-11-03 02:30:00', 'America/New_York')).toBe('2024-11-03T02:30:00-05:00');
  });

  it('keeps an offset the text already has and leaves non-timestamps alone', () => {
    expect(naiveTimestampToRfc3339('2024-03-01 10:00:00.1+05:30', 'Europe/Berlin')).toBe('2024-03-01T10:00:00.1+05:30');
    expect(offsetTimestampToRfc3339('2024-03-01 04:30:00.123456+00')).toBe('2024-03-01T04:30:00.123456+00:00');
    expect(offsetTimestampToRfc3339('2024-03-01T04:30:00Z')).toBe('2024-03-01T04:30:00+00:00');
    expect(offsetTimestampToRfc3339('1900-01-01 00:00:00-0530')).toBe('1900-01-01T00:00:00-05:30');
    expect(naiveTimestampToRfc3339('infinity', 'UTC')).toBe('infinity');
    expect(naiveTimestampToRfc3339('1717236000', 'UTC')).toBe('1717236000');
    expect(naiveTimestampToRfc3339('0000-00-00 00:00:00', 'Europe/Berlin')).toBe('0000-00-00 00:00:00');
  });

  it('round-trips the wall clock of any instant in any of several zones, choosing the earlier when ambiguous', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Sao_Paulo'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1) / 1000, max: Date.UTC(2037, 11, 31) / 1000 }),
        fc.constantFrom(...zones),
        (seconds, zone) => {
          const instant = seconds * 1000;
          const wall = wallClock(instant, zone);
          const result = naiveTimestampToRfc3339(wall, zone);
          const parsed = Date.parse(result);
          expect(wallClock(parsed, zone)).toBe(wall);
          expect(parsed).toBeLessThanOrEqual(instant);
        },
      ),
      { seed: 20240331, numRuns: 2000 },
    );
  });

  it('gives the plain `YYYY-MM-DD HH:MM:SS[.f]` shape (its fast path) the same text as the general parse', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];
    const pad = (value: number, width: number) => String(value).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 0, max: 9999 }),
          // 0 and 13 (month), 0 and 32 (day): impossible dates stay text on both paths.
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 23 }),
          minute: fc.integer({ min: 0, max: 59 }),
          second: fc.integer({ min: 0, max: 59 }),
          fraction: fc.constantFrom('', '.5', '.000001', '.123456789'),
        }),
        fc.constantFrom(...zones),
        (t, zone) => {
          const date = `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}`;
          const time = `${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction}`;
          // The `T` separator and a trailing space take the general (regex) path.
          const general = naiveTimestampToRfc3339(`${date}T${time} `, zone);
          expect(naiveTimestampToRfc3339(`${date} ${time}`, zone)).toBe(general === `${date}T${time} ` ? `${date} ${time}` : general);
        },
      ),
      { seed: 20261206, numRuns: 3000 },
    );
    // A dot without digits, or a fraction longer than nanoseconds, is not the plain shape.
    expect(naiveTimestampToRfc3339('2024-01-15 08:30:00.', 'UTC')).toBe('2024-01-15 08:30:00.');
    expect(naiveTimestampToRfc3339('2024-01-15 08:30:00.1234567891', 'UTC')).toBe('2024-01-15T08:30:00.1234567891+00:00');
  });

  it('knows real zones and refuses made-up ones', () => {
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

/** `YYYY-MM-DD HH:MM:SS` of an instant in a zone, independently of the code under test. */
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
function wallClock(instant: number, timeZone: string): string {
  let format = wallClockFormats.get(timeZone);
  // sv-SE formats as ISO-like "2024-01-15 08:30:00".
  format ??= new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  wallClockFormats.set(timeZone, format);
  return format.format(new Date(instant));
}
