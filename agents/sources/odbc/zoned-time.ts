/**
 * Database timestamp text → RFC 3339 with an explicit offset, keeping every fractional digit the
 * database printed (µs on PostgreSQL and MariaDB). Never goes through `Date` for the value itself:
 * `Date` has millisecond precision, and a naive timestamp has no instant until a zone is chosen.
 *
 * Naive timestamps are wall-clock times in the source's IANA zone. Two local times need a rule:
 * - a gap (spring forward, 02:30 does not exist): the offset in force before the transition is used,
 *   so `02:30-05:00` in New York, the same instant Temporal's `disambiguation: 'compatible'` picks
 *   (03:30 EDT); the wall-clock text stays as the database has it;
 * - an overlap (fall back, 01:30 happens twice): the earlier instant, i.e. the offset in force before
 *   the transition (`01:30-04:00`), again as Temporal's `compatible`.
 */

const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/;

const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * `2024-03-01 10:00:00.123456` in `Europe/Berlin` → `2024-03-01T10:00:00.123456+01:00`. Text that
 * already carries an offset (`…+05:30`, `…Z`) keeps its own. Text that is not a timestamp
 * (`infinity`, a Unix epoch number in a SQLite column) comes back unchanged.
 */
export function naiveTimestampToRfc3339(text: string, timeZone: string): string {
  if (isPlainTimestamp(text)) {
    // The shape every database prints (`YYYY-MM-DD HH:MM:SS[.ffffff]`): no regex, and in UTC no
    // calendar arithmetic either. The fallback below gives the same text for these (the tests say so).
    const wallClock = `${text.slice(0, 10)}T${text.slice(11)}`;
    if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return `${wallClock}+00:00`;
    const localMs = utcMs(digitsAt(text, 0, 4), digitsAt(text, 5, 2), digitsAt(text, 8, 2), digitsAt(text, 11, 2), digitsAt(text, 14, 2), digitsAt(text, 17, 2));
    return wallClock + formatOffset(offsetForWallClock(localMs, timeZone));
  }
  const parts = TIMESTAMP_PATTERN.exec(text.trim());
  if (parts === null) return text;
  const [, y, mo, d, h, mi, s = '00', fraction = '', offset] = parts as unknown as string[];
  // MariaDB's zero date (0000-00-00) and other impossible dates name no instant: keep the text.
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) return text;
  const wallClock = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}`;
  if (offset !== undefined) return wallClock + normalizeOffset(offset);
  const localMs = utcMs(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  return wallClock + formatOffset(offsetForWallClock(localMs, timeZone));
}

const ZERO = 48;
const NINE = 57;

/**
 * True for `YYYY-MM-DD HH:MM:SS` with an optional `.digits` fraction, month 01–12, day 01–31 and
 * nothing else (no zone, no spaces): checked a character at a time, since this runs for every
 * timestamp of every row.
 */
function isPlainTimestamp(text: string): boolean {
  const length = text.length;
  if (length < 19 || length === 20 || length > 29) return false;
  for (let i = 0; i < 19; i += 1) {
    const code = text.charCodeAt(i);
    const separator = PLAIN_SEPARATORS[i];
    if (separator === undefined ? code < ZERO || code > NINE : code !== separator) return false;
  }
  if (length > 19) {
    if (text.charCodeAt(19) !== 46 /* . */) return false;
    for (let i = 20; i < length; i += 1) {
      const code = text.charCodeAt(i);
      if (code < ZERO || code > NINE) return false;
    }
  }
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** The character codes at fixed positions of `YYYY-MM-DD HH:MM:SS` (digits elsewhere). */
const PLAIN_SEPARATORS: (number | undefined)[] = [];
PLAIN_SEPARATORS[4] = 45; // -
PLAIN_SEPARATORS[7] = 45;
PLAIN_SEPARATORS[10] = 32; // space
PLAIN_SEPARATORS[13] = 58; // :
PLAIN_SEPARATORS[16] = 58;

function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i += 1) value = value * 10 + (text.charCodeAt(i) - ZERO);
  return value;
}

/** Text with an offset (`2024-03-01 04:30:00.123456+00`) → `2024-03-01T04:30:00.123456+00:00`. */
export function offsetTimestampToRfc3339(text: string): string {
  return naiveTimestampToRfc3339(text, 'UTC');
}

/** The zone's offset (ms) for a wall-clock time given as if it were UTC, with the rules above. */
export function offsetForWallClock(localMs: number, timeZone: string): number {
  // The common server setting, and a fixed offset: no Intl formatting per row needed.
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  // Offsets in force a day either side cover every real transition (none are closer than that).
  const before = offsetAt(localMs - 24 * HOUR_MS, timeZone);
  const after = offsetAt(localMs + 24 * HOUR_MS, timeZone);
  const valid = [before, after].filter((offset) => offsetAt(localMs - offset, timeZone) === offset);
  if (valid.length === 0) return before; // gap
  return Math.max(...valid); // one candidate, or an overlap: the larger offset is the earlier instant
}

/**
 * Offsets are looked up per 15-minute slice of UTC time and remembered when the slice has one offset
 * throughout (every real transition falls on such a boundary or is found by the check): asking
 * Intl for every timestamp was 43% of read time for a non-UTC source.
 */
const SLICE_MS = 15 * 60_000;
const MAX_CACHED_SLICES = 50_000;
const offsetBySlice = new Map<string, number>();

/** Offset (ms, whole minutes) of `timeZone` at the instant `instantMs`. */
export function offsetAt(instantMs: number, timeZone: string): number {
  const slice = Math.floor(instantMs / SLICE_MS);
  const key = `${timeZone}\u0000${slice}`;
  const cached = offsetBySlice.get(key);
  if (cached !== undefined) return cached;
  const exact = exactOffsetAt(instantMs, timeZone);
  const first = exactOffsetAt(slice * SLICE_MS, timeZone);
  if (first === exact && exactOffsetAt((slice + 1) * SLICE_MS - 1000, timeZone) === exact) {
    if (offsetBySlice.size >= MAX_CACHED_SLICES) offsetBySlice.clear();
    offsetBySlice.set(key, exact);
  }
  return exact;
}

function exactOffsetAt(instantMs: number, timeZone: string): number {
  const instant = Math.floor(instantMs / 1000) * 1000;
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal' && part.type !== 'era') fields[part.type] = Number(part.value);
  }
  const wall = utcMs(fields.year!, fields.month!, fields.day!, fields.hour!, fields.minute!, fields.second!);
  // RFC 3339 offsets have no seconds; historical local mean times (+00:17:30) are cut to the minute.
  return Math.trunc((wall - instant) / 60_000) * 60_000;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return '+00:00';
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMs) / 60_000;
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function normalizeOffset(offset: string): string {
  if (offset === 'Z' || offset === 'z') return '+00:00';
  const digits = offset.slice(1).replaceAll(':', '');
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
