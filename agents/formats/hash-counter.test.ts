import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashCounter } from './hash-counter.ts';

describe('HashCounter', () => {
  it('counts 200,000 distinct keys apart through many table growths, and repeats of each', () => {
    const counter = new HashCounter();
    const keys = Array.from({ length: 200_000 }, (_, i) => `REF${String(i).padStart(10, '0')}`);
    expect(keys.map((k) => counter.incrementText(k)).filter((n) => n !== 0)).toEqual([]);
    expect(keys.filter((_, i) => i % 7 === 0).map((k) => counter.incrementText(k)).every((n) => n === 1)).toBe(true);
    expect(counter.incrementText(keys[7] ?? '')).toBe(2);
    expect(counter.incrementText('')).toBe(0);
    expect(counter.incrementText('')).toBe(1);
    // Keys that differ only in their order of characters or their length.
    expect(counter.incrementText('ab')).toBe(0);
    expect(counter.incrementText('ba')).toBe(0);
    expect(counter.incrementText('ab\u0000')).toBe(0);
  });

  it('counts hex digests by their first 64 bits', () => {
    const counter = new HashCounter();
    const digests = Array.from({ length: 50_000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex').slice(0, 32));
    expect(digests.every((d) => counter.incrementHex(d) === 0)).toBe(true);
    expect(digests.every((d) => counter.incrementHex(d) === 1)).toBe(true);
    expect(counter.incrementHex('0000000000000000ffff')).toBe(0);
    expect(counter.incrementHex('0000000000000000aaaa')).toBe(1);
  });
});
