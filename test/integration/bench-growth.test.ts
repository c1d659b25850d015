/** The words under the README's scaling tables come from the figures: they must say what the figures show. */
import { describe, expect, it } from 'vitest';
import { describeGrowth, growthOf } from '../../bench/scaling/growth.ts';

describe('bench/scaling growth in words', () => {
  it('calls a cost that grows with the size linear and flat memory flat', () => {
    const points = [1_000, 10_000, 100_000].map((size) => ({ size, cost: size * 0.002 * (1 + (size % 7) / 100), peakMiB: 100 + size / 1e6 }));
    expect(growthOf(points)).toMatchObject({ time: 'linear', memory: 'flat' });
    expect(describeGrowth('Enqueue', 'records', points)).toMatch(/^Enqueue: linear in records \(cost per record ×0\.99 from 1,000 to 100,000\); peak memory flat/);
  });

  it('names a fixed cost sublinear, a cost per unit that rises superlinear, and memory that grows', () => {
    expect(growthOf([{ size: 1, cost: 1, peakMiB: 50 }, { size: 50, cost: 1.2, peakMiB: 52 }])?.time).toBe('sublinear');
    const quadratic = [10, 100, 1000].map((size) => ({ size, cost: size * size, peakMiB: size }));
    expect(growthOf(quadratic)).toMatchObject({ time: 'superlinear', memory: 'grows', memoryRatio: 100 });
  });

  it('says so when there is nothing to compare', () => {
    expect(growthOf([{ size: 10, cost: 1, peakMiB: 1 }])).toBeNull();
    expect(describeGrowth('Parse', 'bytes', [])).toBe('Parse: fewer than two sizes measured, no trend.');
  });
});
