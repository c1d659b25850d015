/**
 * Wall-clock time in a named zone, and back. Intl is the only source of zone rules (the runtime's
 * ICU data), so the scheduler and the rest of the agent never disagree about an offset.
 */

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const MINUTE_MS = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, found);
  }
  return found;
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
export function zoneOffsetMs(zone: string, instantMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

export function wallTimeAt(zone: string, instantMs: number): WallTime {
  const local = new Date(instantMs + zoneOffsetMs(zone, instantMs));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    weekday: local.getUTCDay(),
  };
}

/**
 * The instants at which the zone's clocks show this wall time: none in a spring-forward gap, two in
 * a fall-back overlap (earlier first), one otherwise.
 */
export function instantsOfWallTime(
  zone: string,
  wall: Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'>,
): number[] {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // No zone moves its clocks twice within 14 hours, so the offsets on either side cover every case.
  const offsets = new Set([zoneOffsetMs(zone, asUtc - 14 * 3_600_000), zoneOffsetMs(zone, asUtc + 14 * 3_600_000)]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = asUtc - offset;
    if (zoneOffsetMs(zone, instant) === offset) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * For a wall time inside a spring-forward gap: the instant the clocks jumped (the first minute
 * after the gap), found by bisection between the two offsets' readings of that wall time.
 */
export function endOfGap(zone: string, wall: Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'>): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const before = zoneOffsetMs(zone, asUtc - 14 * 3_600_000);
  const after = zoneOffsetMs(zone, asUtc + 14 * 3_600_000);
  let low = asUtc - Math.max(before, after); // still on the old offset
  let high = asUtc - Math.min(before, after); // already on the new offset
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (zoneOffsetMs(zone, middle) === before) low = middle;
    else high = middle;
  }
  return high;
}

/** Calendar arithmetic on a date without a zone (noon UTC keeps it clear of any edge). */
export function addDays(date: { year: number; month: number; day: number }, days: number): WallTime {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days, 12));
  return {
    year: moved.getUTCFullYear(),
    month: moved.getUTCMonth() + 1,
    day: moved.getUTCDate(),
    hour: 0,
    minute: 0,
    weekday: moved.getUTCDay(),
  };
}
