/**
 * Shift times from tills: with a UTC offset they are taken as written; without one they are wall
 * clock time in the configured IANA zone (DESIGN.md §4.4), turned into an offset here.
 */
const TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** RFC 3339 with offset, or undefined when the text is not a date-time. */
export function toOffsetTime(text: string, timeZone: string): string | undefined {
  const m = TIME.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(wall).getUTCDate() !== day) return undefined;
  const local = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}`;
  if (zone !== undefined) {
    if (zone.toUpperCase() === 'Z') return `${local}Z`;
    const digits = zone.replace(':', '');
    return `${local}${digits.slice(0, 3)}:${digits.slice(3)}`;
  }
  // The offset at that wall time: guess with the offset at the same instant read as UTC, then correct once (DST edges).
  let offset = offsetMinutes(wall, timeZone);
  offset = offsetMinutes(wall - offset * 60_000, timeZone);
  return `${local}${formatOffset(offset)}`;
}

/** Throws a RangeError for an unknown zone; callers validate the config with it. */
export function offsetMinutes(epochMs: number, timeZone: string): number {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(epochMs))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(part ?? '');
  if (m === null) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
  return m[1] === '-' ? -minutes : minutes;
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
