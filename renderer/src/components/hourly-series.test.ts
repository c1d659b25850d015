import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../../agents/api/index.ts';
import { hourlySeries, niceCeiling } from './hourly-series.ts';

const at = (iso: string, delivered: number, depth: number): HistoryPoint => ({ at: iso, delivered, depth });

describe('hourly bars from the per-minute history', () => {
  const points = [
    at('2026-11-28T19:59:00Z', 5, 3),
    at('2026-11-28T20:00:00Z', 7, 9),
    at('2026-11-28T20:30:00Z', 1, 4),
    at('2026-11-28T21:29:00Z', 2, 42),
  ];

  it('sums what was delivered per hour, 24 bars ending with the hour so far', () => {
    const series = hourlySeries(points, (p) => p.delivered, 'sum');
    expect(series.bars).toHaveLength(24);
    expect(series.bars.at(-1)).toEqual({ start: '2026-11-28T21:00:00.000Z', value: 2 });
    expect(series.bars.at(-2)).toEqual({ start: '2026-11-28T20:00:00.000Z', value: 8 });
    expect(series.bars.at(-3)).toEqual({ start: '2026-11-28T19:00:00.000Z', value: 5 });
    // Hours before the agent ran have no bar at all, not a zero.
    expect(series.bars[0]).toEqual({ start: '2026-11-27T22:00:00.000Z', value: null });
    expect(series.total).toBe(15);
    expect(series.peak).toEqual({ value: 8, start: '2026-11-28T20:00:00.000Z' });
    expect(series.scaleMax).toBe(10);
  });

  it('shows the highest queue depth per hour and names the depth now', () => {
    const series = hourlySeries(points, (p) => p.depth, 'max');
    expect(series.bars.slice(-3).map((b) => b.value)).toEqual([3, 9, 42]);
    expect(series.latest).toBe(42);
    expect(series.scaleMax).toBe(50);
  });

  it('leaves out points older than the window and copes with no history', () => {
    const series = hourlySeries([at('2026-11-26T10:00:00Z', 100, 1), ...points], (p) => p.delivered, 'sum');
    expect(series.total).toBe(15);
    const empty = hourlySeries([], (p) => p.delivered, 'sum');
    expect(empty.bars.every((b) => b.value === null)).toBe(true);
    expect(empty.peak).toBeNull();
  });

  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 10, 11, 42, 999, 1001].map(niceCeiling)).toEqual([1, 1, 5, 10, 20, 50, 1000, 2000]);
  });
});
