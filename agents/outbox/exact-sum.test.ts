import { describe, expect, it } from 'vitest';
import { sumDecimals } from '../formats/decimal.ts';
import { ExactSum } from './exact-sum.ts';

function sum(values: string[]): string | null {
  const s = new ExactSum();
  for (const v of values) s.add(v);
  return s.toString();
}

describe('ExactSum', () => {
  it('adds like exact decimal arithmetic, across scales, signs and lengths', () => {
    expect(sum([])).toBeNull();
    expect(sum(['0.1', '0.2'])).toBe('0.3');
    expect(sum(['12.50', '-0.05', '7'])).toBe('19.45');
    expect(sum(['1234567890123456789.01', '0.20'])).toBe('1234567890123456789.21');
    expect(sum(['-3.10', '3.1'])).toBe('0.00');
  });

  it('stays exact where a double sum would not (many 15-digit amounts past 2^53)', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `${i % 2 === 0 ? '' : '-'}${9_999_999_999_999 - i}.${String(i % 100).padStart(2, '0')}`);
    values.push(...Array.from({ length: 3000 }, () => '9999999999999.99'));
    expect(sum(values)).toBe(sumDecimals(values));
  });
});
