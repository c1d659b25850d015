/**
 * Money computed in mappings is exact to the last digit (issue 13 acceptance): JSONata expressions
 * with the decimal.js helpers, checked against an oracle that is not decimal.js: integer arithmetic
 * on scaled BigInts, written here from scratch.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MappingConfigSchema, type MappingConfigInput } from '../../api/index.ts';
import { compileMapping, mapRecordData } from './mapping-evaluate.ts';
import { DEFAULT_MAPPING_LIMITS } from './mapping-limits.ts';
import { checkMapping } from './money-checker.ts';
import { MONEY_HELPERS } from './decimal-helpers.ts';

interface Scaled {
  units: bigint;
  scale: number;
}

// ---- the oracle: scaled BigInts -------------------------------------------------------------
const text = ({ units, scale }: Scaled): string => {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${body}` : body;
};
const rescale = (x: Scaled, scale: number): bigint => x.units * 10n ** BigInt(scale - x.scale);
const add = (a: Scaled, b: Scaled): Scaled => {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
};
const mul = (a: Scaled, b: Scaled): Scaled => ({ units: a.units * b.units, scale: a.scale + b.scale });
/** numerator / denominator (both integers) rounded to an integer, half to even or half away from zero. */
const divRound = (numerator: bigint, denominator: bigint, mode: 'HALF_EVEN' | 'HALF_UP'): bigint => {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let q = n / d;
  const twice = (n % d) * 2n;
  if (twice > d || (twice === d && (mode === 'HALF_UP' || q % 2n === 1n))) q += 1n;
  return negative ? -q : q;
};
const round = (x: Scaled, places: number, mode: 'HALF_EVEN' | 'HALF_UP'): Scaled =>
  places >= x.scale ? { units: rescale(x, places), scale: places } : { units: divRound(x.units, 10n ** BigInt(x.scale - places), mode), scale: places };
const div = (a: Scaled, b: Scaled, places: number, mode: 'HALF_EVEN' | 'HALF_UP'): Scaled => ({
  units: divRound(a.units * 10n ** BigInt(places + b.scale), b.units * 10n ** BigInt(a.scale), mode),
  scale: places,
});
const normalZero = (s: string): string => (/^-0(\.0+)?$/.test(s) ? s.slice(1) : s);

// ---- generators -----------------------------------------------------------------------------
const amount = (maxDigits: number, maxScale: number): fc.Arbitrary<Scaled> =>
  fc.record({
    units: fc.bigInt({ min: -(10n ** BigInt(maxDigits)) + 1n, max: 10n ** BigInt(maxDigits) - 1n }),
    scale: fc.integer({ min: 0, max: maxScale }),
  });
const positive = (maxDigits: number, maxScale: number): fc.Arbitrary<Scaled> =>
  amount(maxDigits, maxScale).map((x) => ({ ...x, units: (x.units < 0n ? -x.units : x.units) + 1n }));
const mode = fc.constantFrom<'HALF_EVEN' | 'HALF_UP'>('HALF_EVEN', 'HALF_UP');

// ---- the mapping under test ----------------------------------------------------------------
const config = MappingConfigSchema.parse({
  stream: 'invoices',
  input: { net: 'money', rate: 'money', divisor: 'money', mode: 'text', places: 'integer', lines: { amount: 'money', qty: 'integer' } },
  fields: {
    linesTotal: { expr: '$decimalSum($map(lines, function($l){ $decimalMul($l.amount, $l.qty) }))', type: 'money' },
    vat: { expr: '$round($decimalMul(net, rate), 2, mode)', type: 'money' },
    gross: { expr: '$decimalAdd(net, $round($decimalMul(net, rate), 2, mode))', type: 'money' },
    share: { expr: '$decimalDiv(net, divisor, $number(places), mode)', type: 'money' },
    balance: { expr: '$decimalSub($decimalSum(lines.amount), net)', type: 'money' },
  },
} satisfies MappingConfigInput);
const compiled = compileMapping(config, { ...DEFAULT_MAPPING_LIMITS, timeMs: 5_000 });

describe('money in mappings is exact (oracle: scaled BigInts)', () => {
  it('the mapping passes the save-time check', () => {
    expect(checkMapping(config)).toEqual([]);
  });

  it('sums of lines × quantity, VAT rounded, gross, division and balance match the oracle to the last digit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ amount: amount(18, 4), qty: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 30 }),
        amount(16, 4),
        positive(3, 4),
        positive(8, 3),
        fc.integer({ min: 0, max: 6 }),
        mode,
        async (lines, net, rate, divisor, places, rounding) => {
          const data = {
            net: text(net),
            rate: text(rate),
            divisor: text(divisor),
            mode: rounding,
            places: String(places),
            lines: lines.map((l) => ({ amount: text(l.amount), qty: String(l.qty) })),
          };
          const result = await mapRecordData(compiled, data, { id: '1' });
          if (!result.ok) throw new Error(result.error.message);
          const products = lines.map((l) => mul(l.amount, { units: BigInt(l.qty), scale: 0 }));
          const linesTotal = products.reduce(add, { units: 0n, scale: 0 });
          const vat = round(mul(net, rate), 2, rounding);
          const expected = {
            linesTotal: normalZero(text(linesTotal)),
            vat: normalZero(text(vat)),
            gross: normalZero(text(add(net, vat))),
            share: normalZero(text(div(net, divisor, places, rounding))),
            balance: normalZero(text(add(lines.map((l) => l.amount).reduce(add, { units: 0n, scale: 0 }), { units: -net.units, scale: net.scale }))),
          };
          expect(result.output).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  });

  it('ties round as asked: half to even and half away from zero, on both signs', async () => {
    const cases: Array<[string, string, 'HALF_EVEN' | 'HALF_UP', string]> = [
      ['0.125', '1', 'HALF_EVEN', '0.12'],
      ['0.135', '1', 'HALF_EVEN', '0.14'],
      ['-0.125', '1', 'HALF_EVEN', '-0.12'],
      ['0.125', '1', 'HALF_UP', '0.13'],
      ['-0.125', '1', 'HALF_UP', '-0.13'],
      ['-0.001', '1', 'HALF_EVEN', '0.00'],
    ];
    for (const [net, rate, rounding, vat] of cases) {
      const result = await mapRecordData(compiled, { net, rate, divisor: '1', mode: rounding, places: '2', lines: [] }, { id: '1' });
      expect(result.ok && result.output.vat).toBe(vat);
    }
  });
});

describe('$decimalDiv computed on whole numbers', () => {
  // What it computed before: decimal.js to 1,000 significant digits, then one rounding to the scale.
  const Reference = Decimal.clone({ precision: 1000, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });
  const reference = (a: string, b: string, places: number, mode: 'HALF_EVEN' | 'HALF_UP'): string => {
    const fixed = new Reference(a).div(new Reference(b)).toDecimalPlaces(places, mode === 'HALF_UP' ? Decimal.ROUND_HALF_UP : Decimal.ROUND_HALF_EVEN).toFixed(places);
    return /^-0(\.0+)?$/.test(fixed) ? fixed.slice(1) : fixed;
  };
  const decimalText = fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.integer({ min: 0, max: 12 }))
    .map(([negative, digits, scale]) => {
      const padded = digits.toString().padStart(scale + 1, '0');
      const text = scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
      return negative ? `-${text}` : text;
    });
  const mode = fc.constantFrom('HALF_EVEN' as const, 'HALF_UP' as const);

  it('gives what dividing to 1,000 digits and rounding once gave, for any operands, scale and mode', () => {
    fc.assert(
      fc.property(decimalText, decimalText, fc.integer({ min: 0, max: 40 }), mode, (a, b, places, how) => {
        fc.pre(!new Reference(b).isZero());
        expect(MONEY_HELPERS.decimalDiv.fn(a, b, places, how)).toBe(reference(a, b, places, how));
      }),
      { seed: 21, numRuns: 3000 },
    );
  });

  it('rounds exact halves by the mode asked for, on both signs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }), fc.constantFrom('1', '-1', '2', '-0.5'), mode, (q, places, b, how) => {
        // (q + 0.5) × 10^-places × b, divided by b: a tie at `places` whatever b is.
        const half = new Reference(`${q * 10n + 5n}e-${places + 1}`).times(b).toFixed();
        expect(MONEY_HELPERS.decimalDiv.fn(half, b, places, how)).toBe(reference(half, b, places, how));
      }),
      { seed: 22, numRuns: 1500 },
    );
    expect(MONEY_HELPERS.decimalDiv.fn('0.125', '1', 2, 'HALF_EVEN')).toBe('0.12');
    expect(MONEY_HELPERS.decimalDiv.fn('0.125', '1', 2, 'HALF_UP')).toBe('0.13');
    expect(MONEY_HELPERS.decimalDiv.fn('-0.125', '1', 2, 'HALF_UP')).toBe('-0.13');
    expect(MONEY_HELPERS.decimalDiv.fn('-0.00001', '3', 2)).toBe('0.00');
  });
});
