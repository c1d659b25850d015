import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sumDecimals } from './decimal.ts';
import { EntryTotals } from './entry-totals.ts';

const amount = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 }))
  .map(([negative, units, scale, shrink]) => {
    const digits = (units / 10n ** BigInt(shrink * 8)).toString().padStart(scale + 1, '0');
    const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    const canonical = body.replace(/^0+(?=\d)/, '');
    return negative && /[1-9]/.test(canonical) ? `-${canonical}` : canonical;
  });

describe('EntryTotals', () => {
  it('sums exactly like sumDecimals, scale included, per currency and in all', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, fc.constantFrom('EUR', 'USD')), { maxLength: 200 }), (entries) => {
        const totals = EntryTotals.of(entries.map(([a, currency]) => ({ amount: a, currency })));
        expect(totals.movement()).toBe(sumDecimals(entries.map(([a]) => a)));
        expect(totals.count).toBe(entries.length);
        const usd = entries.filter(([, c]) => c === 'USD').length;
        expect(totals.currencies().find((c) => c.currency === 'USD')?.count ?? 0).toBe(usd);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('stays exact past 2^53 units of a cent', () => {
    const big = '99999999999.9999';
    const totals = EntryTotals.of(Array.from({ length: 5000 }, () => ({ amount: big, currency: 'EUR' })));
    expect(totals.movement()).toBe('499999999999999.5000');
  });
});
