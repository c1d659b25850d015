import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDecimals,
  compareDecimals,
  decimalFromMinorUnits,
  formatDecimalForHumans,
  negateDecimal,
  parseDecimal,
  subtractDecimals,
  sumDecimals,
} from './decimal.ts';

describe('parseDecimal', () => {
  it('reads plain, signed and zero-padded amounts', () => {
    expect(parseDecimal('12.50')).toBe('12.50');
    expect(parseDecimal('+1,23', { decimalSeparator: ',' })).toBe('1.23');
    expect(parseDecimal('-0,42', { decimalSeparator: ',' })).toBe('-0.42');
    expect(parseDecimal('000000000300.00')).toBe('300.00');
    expect(parseDecimal('300,', { decimalSeparator: ',' })).toBe('300');
    expect(parseDecimal('.5')).toBe('0.5');
    expect(parseDecimal('-0.00')).toBe('0.00');
  });

  it('reads thousands separators only where they group by three', () => {
    expect(parseDecimal('-1.234,56', { decimalSeparator: ',', thousandsSeparator: '.' })).toBe('-1234.56');
    expect(parseDecimal("11'373.94", { thousandsSeparator: "'" })).toBe('11373.94');
    expect(parseDecimal('1,000.00', { thousandsSeparator: ',' })).toBe('1000.00');
    expect(parseDecimal('1.23,00', { decimalSeparator: ',', thousandsSeparator: '.' })).toBeUndefined();
    expect(parseDecimal('1,000.00')).toBeUndefined();
  });

  it('refuses what is not a number', () => {
    for (const bad of ['', ' ', '$120', '12.5.3', '1e5', 'NaN', '--1', '12-', '٣']) expect(parseDecimal(bad)).toBeUndefined();
  });
});

describe('arithmetic', () => {
  it('is exact where floats are not', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(sumDecimals(['10000.00', '1250.50', '-500.25'])).toBe('10750.25');
    expect(subtractDecimals('1234.50', '1230')).toBe('4.50');
    expect(negateDecimal('0')).toBe('0');
    expect(compareDecimals('3085', '3085.00')).toBe(0);
    expect(compareDecimals('-1', '0.5')).toBe(-1);
  });

  it('adds 19-digit amounts without losing a cent', () => {
    expect(addDecimals('9999999999999999.99', '0.01')).toBe('10000000000000000.00');
  });

  it('implied decimals and display', () => {
    expect(decimalFromMinorUnits('2500', 2)).toBe('25.00');
    expect(decimalFromMinorUnits('1', 2)).toBe('0.01');
    expect(decimalFromMinorUnits('000', 0)).toBe('0');
    expect(decimalFromMinorUnits('55703', 2, true)).toBe('-557.03');
    expect(formatDecimalForHumans('-1234567.5')).toBe('-1,234,567.50');
    expect(formatDecimalForHumans('4')).toBe('4.00');
  });

  it('agrees with integer arithmetic on cents (property)', () => {
    const cents = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
    const asDecimal = (c: bigint) => decimalFromMinorUnits((c < 0n ? -c : c).toString(), 2, c < 0n)!;
    fc.assert(
      fc.property(cents, cents, (a, b) => {
        expect(compareDecimals(addDecimals(asDecimal(a), asDecimal(b)), asDecimal(a + b))).toBe(0);
        expect(parseDecimal(asDecimal(a))).toBe(asDecimal(a));
      }),
      { seed: 4, numRuns: 300 },
    );
  });
});
