/**
 * The syntax of a business-hour window in the config: "mon-fri 08:00-18:00". A window whose end is
 * not after its start runs past midnight and belongs to the day it starts on ("fri 22:00-06:00"
 * covers Saturday 03:00). What a window does is decided in agents/scheduler/.
 */
export interface TimeWindow {
  readonly source: string;
  /** 0 = Sunday … 6 = Saturday: the days the window starts on. */
  readonly days: ReadonlySet<number>;
  /** Minutes after local midnight. */
  readonly fromMinute: number;
  readonly toMinute: number;
}

export class TimeWindowSyntaxError extends Error {
  readonly code = 'window_syntax';
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function parseTimeWindow(text: string): TimeWindow {
  const match = /^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (match === null) {
    throw new TimeWindowSyntaxError(
      `"${text}" is not a time window: write days and hours, e.g. "mon-fri 08:00-18:00", "sat,sun 00:00-24:00" or "daily 22:00-06:00".`,
    );
  }
  const [, daysText, fromHour, fromMinute, toHour, toMinute] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const from = Number(fromHour) * 60 + Number(fromMinute);
  const to = Number(toHour) * 60 + Number(toMinute);
  if (from > 24 * 60 || to > 24 * 60 || Number(fromMinute) > 59 || Number(toMinute) > 59) {
    throw new TimeWindowSyntaxError(`In "${text}", a time is outside 00:00–24:00.`);
  }
  if (from === to) throw new TimeWindowSyntaxError(`In "${text}", the window starts and ends at the same time.`);
  return { source: text.trim(), days: parseDays(daysText, text), fromMinute: from, toMinute: to };
}

function parseDays(daysText: string, text: string): Set<number> {
  const lower = daysText.toLowerCase();
  if (lower === 'daily' || lower === '*') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const days = new Set<number>();
  for (const item of lower.split(',')) {
    const [from, to, more] = item.split('-');
    const first = DAY_NAMES.indexOf(from ?? '');
    const last = to === undefined ? first : DAY_NAMES.indexOf(to);
    if (first < 0 || last < 0 || more !== undefined) {
      throw new TimeWindowSyntaxError(
        `In "${text}", the days "${daysText}" are not understood: use mon, tue, wed, thu, fri, sat, sun, ranges (mon-fri), lists (sat,sun) or "daily".`,
      );
    }
    // "fri-mon" wraps over the weekend.
    for (let day = first; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === last) break;
    }
  }
  return days;
}
