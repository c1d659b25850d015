/**
 * When a cron schedule runs next, as a pure function of expression, zone and instant: no timers,
 * no "now". Daylight saving follows Debian cron (man 8 cron), because that is what IT staff expect:
 * - a fixed-time job whose wall time is skipped when clocks spring forward runs right after the
 *   jump (a 02:30 job runs at 03:00 that night);
 * - a fixed-time job whose wall time repeats when clocks fall back runs once, the first time;
 * - a job with `*` in its minute or hour field follows the clock as it is: nothing is caught up,
 *   and in a repeated hour it runs again, so it keeps its rhythm in real time.
 * node-cron's own arithmetic is not used for this (node-cron#509: a runaway loop in the DST hour,
 * then jobs that stop; #492); see README §Schedules.
 */
import type { CronExpression } from '../api/cron-expression.ts';
import { addDays, endOfGap, instantsOfWallTime, wallTimeAt, type WallTime } from './zoned-time.ts';

/** Far enough for any expression that can match (29 February on a Monday repeats within 28 years). */
const SEARCH_DAYS = 366 * 29;
const TWO_HOURS_MS = 2 * 3_600_000;

/** The first run strictly after `afterMs`, or null when the expression can never match. */
export function nextRun(cron: CronExpression, zone: string, afterMs: number): number | null {
  const start = wallTimeAt(zone, afterMs);
  // A fixed-time job in the gap of the day before can land on the jump just after midnight in zones
  // that spring forward at 00:00, so the search starts one day early.
  for (let offset = -1; offset <= SEARCH_DAYS; offset += 1) {
    const date = addDays(start, offset);
    if (!dayMatches(cron, date)) continue;
    const found = firstRunOfDayAfter(cron, zone, date, afterMs);
    if (found !== null) return found;
  }
  return null;
}

/** Every run in (fromMs, toMs], oldest first, at most `limit` of them. */
export function runsBetween(cron: CronExpression, zone: string, fromMs: number, toMs: number, limit: number): number[] {
  const runs: number[] = [];
  let cursor = fromMs;
  while (runs.length < limit) {
    const next = nextRun(cron, zone, cursor);
    if (next === null || next > toMs) break;
    runs.push(next);
    cursor = next;
  }
  return runs;
}

export function dayMatches(cron: CronExpression, date: WallTime): boolean {
  if (!cron.months.has(date.month)) return false;
  const byMonthDay = cron.daysOfMonth.has(date.day);
  const byWeekDay = cron.daysOfWeek.has(date.weekday);
  // Cron's old rule: two restricted day fields mean "either".
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return byMonthDay || byWeekDay;
  if (cron.dayOfMonthRestricted) return byMonthDay;
  if (cron.dayOfWeekRestricted) return byWeekDay;
  return true;
}

function firstRunOfDayAfter(cron: CronExpression, zone: string, date: WallTime, afterMs: number): number | null {
  let best: number | null = null;
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (const hour of hours) {
    for (const minute of minutes) {
      const wall = { year: date.year, month: date.month, day: date.day, hour, minute };
      const instants = instantsOfWallTime(zone, wall);
      const candidates =
        instants.length === 0
          ? cron.fixedTime
            ? [endOfGap(zone, wall)]
            : []
          : cron.fixedTime
            ? instants.slice(0, 1)
            : instants;
      for (const candidate of candidates) {
        if (candidate > afterMs && (best === null || candidate < best)) best = candidate;
      }
      // Wall order is instant order except inside a repeated hour; past it by two hours, nothing
      // later in the day can be earlier than what was found.
      if (best !== null && instants.length > 0 && instants[0]! > best + TWO_HOURS_MS) return best;
    }
  }
  return best;
}

const HOUR_MS = 3_600_000;
/** Look back a little first: a job every minute has 60 runs in the last hour, a nightly one needs a day. */
const LOOK_BACK_SPANS_MS = [HOUR_MS, 25 * HOUR_MS, 8 * 24 * HOUR_MS, 400 * 24 * HOUR_MS];

/** The newest run at or before `nowMs` and after `afterMs`, within the last 400 days; null if none. */
export function latestRun(cron: CronExpression, zone: string, nowMs: number, afterMs = -Infinity): number | null {
  for (const spanMs of LOOK_BACK_SPANS_MS) {
    const latest = runsBetween(cron, zone, Math.max(afterMs, nowMs - spanMs), nowMs, 2000).at(-1);
    if (latest !== undefined) return latest;
  }
  return null;
}
