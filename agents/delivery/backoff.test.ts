import { describe, expect, it } from 'vitest';
import { backoffMs, nextWaitMs, parseRetryAfter } from './backoff.ts';
import { seededRandom } from '../pipeline/seeded-random.ts';

describe('backoffMs (full jitter)', () => {
  const policy = { baseMs: 500, capMs: 300_000 };

  it('stays within [0, min(cap, base·2^attempts)) for every attempt', () => {
    const random = seededRandom(42);
    for (let attempts = 0; attempts < 40; attempts++) {
      const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempts);
      for (let i = 0; i < 200; i++) {
        const wait = backoffMs(policy, attempts, random);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(ceiling);
      }
    }
  });

  it('uses the extremes of random() as the extremes of the window', () => {
    expect(backoffMs(policy, 3, () => 0)).toBe(0);
    expect(backoffMs(policy, 3, () => 0.999999)).toBe(3999);
    expect(backoffMs(policy, 30, () => 0.999999)).toBe(299_999);
    expect(backoffMs(policy, 1000, () => 0.5)).toBe(150_000);
  });

  it('is spread uniformly over the window, not clustered at the ceiling', () => {
    const random = seededRandom(7);
    const ceiling = policy.baseMs * 2 ** 4; // 8000 ms
    const buckets = new Array<number>(10).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) buckets[Math.floor((backoffMs(policy, 4, random) / ceiling) * 10)]! += 1;
    for (const count of buckets) {
      // Each decile expects n/10 = 2000; ±10% is > 7 standard deviations for a binomial here.
      expect(count).toBeGreaterThan(1800);
      expect(count).toBeLessThan(2200);
    }
    const mean = buckets.reduce((sum, c, i) => sum + c * (i + 0.5), 0) / n / 10;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});

describe('nextWaitMs', () => {
  it('never waits less than the server asked for', () => {
    const policy = { baseMs: 100, capMs: 1000 };
    expect(nextWaitMs(policy, 0, () => 0.5, 2000)).toBe(2000);
    expect(nextWaitMs(policy, 10, () => 0.99, 10)).toBe(990);
    expect(nextWaitMs(policy, 10, () => 0.5, undefined)).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-29T15:00:00.000Z');

  it.each([
    ['2', 2000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Sun, 29 Nov 2026 15:00:30 GMT', 30_000],
    ['Sunday, 29-Nov-26 15:01:00 GMT', 60_000],
    ['Sun, 29 Nov 2026 14:00:00 GMT', 0],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
  ] as const)('%j → %j ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it('takes the first of repeated headers and ignores an absent one', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
