/**
 * The overview's per-minute history folded into 24 hourly bars a person can read: records
 * delivered are summed per hour, the queue depth shows its highest point per hour. Pure, so the
 * chart's numbers are tested without a browser.
 */
import type { HistoryPoint } from '../../../agents/api/index.ts';

const HOUR_MS = 3_600_000;

export interface HourBar {
  /** Start of the hour (ISO, UTC); the last bar is the hour so far. */
  start: string;
  /** null: the agent was not running then (no point in that hour). */
  value: number | null;
}

export interface HourlySeries {
  bars: HourBar[];
  /** The top of the scale: the largest bar rounded up to 1, 2 or 5 × a power of ten. */
  scaleMax: number;
  total: number;
  /** The newest minute's value (the queue depth now). */
  latest: number;
  peak: { value: number; start: string } | null;
}

/** 1, 2, 5, 10, 20, 50 …: the smallest such number at least `value`. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function hourlySeries(points: readonly HistoryPoint[], value: (p: HistoryPoint) => number, fold: 'sum' | 'max', hours = 24): HourlySeries {
  const last = points.at(-1);
  const endHour = Math.floor((last === undefined ? 0 : Date.parse(last.at)) / HOUR_MS) * HOUR_MS;
  const firstHour = endHour - (hours - 1) * HOUR_MS;
  const values: Array<number | null> = Array.from({ length: hours }, () => null);
  let total = 0;
  for (const p of points) {
    const index = Math.floor((Date.parse(p.at) - firstHour) / HOUR_MS);
    if (index < 0 || index >= hours) continue;
    const v = value(p);
    total += v;
    const before = values[index] ?? null;
    values[index] = before === null ? v : fold === 'sum' ? before + v : Math.max(before, v);
  }
  const bars = values.map((v, i) => ({ start: new Date(firstHour + i * HOUR_MS).toISOString(), value: v }));
  let peak: HourlySeries['peak'] = null;
  for (const bar of bars) if (bar.value !== null && bar.value > 0 && (peak === null || bar.value > peak.value)) peak = { value: bar.value, start: bar.start };
  return { bars, scaleMax: niceCeiling(peak?.value ?? 0), total, latest: last === undefined ? 0 : value(last), peak };
}
