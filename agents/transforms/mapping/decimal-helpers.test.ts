import { describe, expect, it } from 'vitest';
import { decimalAdd, decimalCompare, decimalDiv, decimalMul, decimalNeg, decimalSub, decimalSum, MoneyHelperError, roundDecimal } from './decimal-helpers.ts';

describe('money helpers', () => {
  it('keep SQL scales and never lose a digit', () => {
    expect(decimalAdd('0.1', '0.2')).toBe('0.3');
    expect(decimalAdd('1.10', '2')).toBe('3.10');
    expect(decimalSub('1', '1.00')).toBe('0.00');
    expect(decimalMul('1.10', '3')).toBe('3.30');
    expect(decimalMul('99999999999999999.99', '99999999999999999.99')).toBe('9999999999999999998000000000000000.0001');
    expect(decimalSum(['0.10', '0.20', '-0.3'])).toBe('0.00');
    expect(decimalSum([])).toBe('0');
    expect(decimalSum('4.5')).toBe('4.5');
    expect(decimalMul('12.5', 2)).toBe('25.0');
  });

  it('round and divide as asked, and zero has no sign', () => {
    expect(roundDecimal('2.345', 2)).toBe('2.34');
    expect(roundDecimal('2.345', 2, 'HALF_UP')).toBe('2.35');
    expect(roundDecimal('-2.345', 2, 'HALF_UP')).toBe('-2.35');
    expect(roundDecimal('2.5')).toBe('2');
    expect(roundDecimal('-0.004', 2)).toBe('0.00');
    expect(decimalNeg('0.00')).toBe('0.00');
    expect(decimalDiv('10', '3', 4)).toBe('3.3333');
    expect(decimalDiv('2', '3', 2, 'HALF_UP')).toBe('0.67');
    expect(decimalDiv('1', '8', 2)).toBe('0.12');
    expect(decimalCompare('1.50', '1.5')).toBe(0);
    expect(decimalCompare('-1', '0.01')).toBe(-1);
  });

  it('pass a missing value through and refuse what is not decimal text, saying what to write', () => {
    expect(decimalAdd(undefined, '1')).toBeUndefined();
    expect(() => decimalMul('10.00', 1.2)).toThrow('$decimalMul: the second value is the floating-point number 1.2; write it as decimal text ("1.2") so it stays exact.');
    expect(() => decimalAdd(null, '1')).toThrow('$decimalAdd: the first value must be decimal text like "12.50", not null.');
    expect(() => decimalAdd('1,50', '1')).toThrow(MoneyHelperError);
    expect(() => decimalAdd('1e5', '1')).toThrow(MoneyHelperError);
    expect(() => decimalDiv('1', '0', 2)).toThrow('division of 1 by zero');
    expect(() => decimalDiv('1', '3', 2.5)).toThrow('whole number of decimal places');
    expect(() => roundDecimal('1', 2, 'HALF_DOWN')).toThrow("'HALF_EVEN' or 'HALF_UP'");
  });
});
