/**
 * Business-hour windows in a named zone: a source's heavy reads either pause during its windows
 * (`pause-during`: spare the ERP while people work) or run only inside them (`only-during`).
 */
import type { TimeWindow } from '../api/time-window-syntax.ts';
import { addDays, endOfGap, instantsOfWallTime, wallTimeAt } from './zoned-time.ts';

export type WindowMode = 'pause-during' | 'only-during';

export function windowCovers(window: TimeWindow, zone: string, instantMs: number): boolean {
  const wall = wallTimeAt(zone, instantMs);
  const minute = wall.hour * 60 + wall.minute;
  if (window.fromMinute < window.toMinute) {
    return window.days.has(wall.weekday) && minute >= window.fromMinute && minute < window.toMinute;
  }
  const yesterday = (wall.weekday + 6) % 7;
  return (
    (window.days.has(wall.weekday) && minute >= window.fromMinute) ||
    (window.days.has(yesterday) && minute < window.toMinute)
  );
}

/** Whether heavy reads may run at this instant. */
export function readsAllowedAt(
  mode: WindowMode,
  windows: readonly TimeWindow[],
  zone: string,
  instantMs: number,
): boolean {
  if (windows.length === 0) return true;
  const inside = windows.some((window) => windowCovers(window, zone, instantMs));
  return mode === 'pause-during' ? !inside : inside;
}

/** The next instant after `afterMs` at which `readsAllowedAt` changes, or null if it never does within 8 days. */
export function nextWindowChange(
  mode: WindowMode,
  windows: readonly TimeWindow[],
  zone: string,
  afterMs: number,
): number | null {
  if (windows.length === 0) return null;
  const now = readsAllowedAt(mode, windows, zone, afterMs);
  const start = wallTimeAt(zone, afterMs);
  const boundaries: number[] = [];
  for (let offset = -1; offset <= 8; offset += 1) {
    const date = addDays(start, offset);
    for (const window of windows) {
      for (const minuteOfDay of [window.fromMinute, window.toMinute]) {
        const shifted = addDays(date, Math.floor(minuteOfDay / 1440));
        const wall = {
          year: shifted.year,
          month: shifted.month,
          day: shifted.day,
          hour: Math.floor((minuteOfDay % 1440) / 60),
          minute: minuteOfDay % 60,
        };
        const instants = instantsOfWallTime(zone, wall);
        boundaries.push(...(instants.length === 0 ? [endOfGap(zone, wall)] : instants));
      }
    }
  }
  for (const boundary of boundaries.filter((b) => b > afterMs).sort((a, b) => a - b)) {
    if (readsAllowedAt(mode, windows, zone, boundary) !== now) return boundary;
  }
  return null;
}
