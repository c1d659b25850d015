/**
 * The money helpers a mapping's expressions call (`$decimalAdd`, `$round(x, 2, 'HALF_EVEN')`, …),
 * backed by decimal.js. They take and return decimal text: JSONata's own arithmetic is binary floating
 * point (0.1 + 0.2 = 0.30000000000000004), so money never goes through it (the checker refuses that).
 *
 * Scales follow SQL: a sum keeps the larger scale ("1.10" + "2" = "3.10"), a product adds them
 * ("1.10" × "3" = "3.30"), a quotient and a rounding have the scale asked for. Results are exact: a
 * result that would need more than MAX_DIGITS significant digits is an error, never rounded quietly.
 */
import { Decimal } from 'decimal.js';
import { lookupFunction } from './lookup-helper.ts';

/** Significant digits a helper result may have; decimal.js computes with more, so nothing is rounded. */
export const MAX_DIGITS = 200;
/** Decimal places a division or rounding may ask for. */
export const MAX_SCALE = 40;

// A private constructor: the global Decimal's settings are shared with anything else that uses it.
const Exact = Decimal.clone({ precision: 1000, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });

const DECIMAL_TEXT = /^[+-]?\d{1,100}(\.\d{1,100})?$/;

export type RoundingMode = 'HALF_EVEN' | 'HALF_UP';
const ROUNDING: Record<RoundingMode, Decimal.Rounding> = { HALF_EVEN: Decimal.ROUND_HALF_EVEN, HALF_UP: Decimal.ROUND_HALF_UP };

/** A helper called with something that is not money: the message names the helper and the value. */
export class MoneyHelperError extends Error {
  readonly code = 'mapping_money_helper';
}

interface Operand {
  value: Decimal;
  scale: number;
}

function operand(helper: string, name: string, raw: unknown): Operand {
  if (typeof raw === 'string' && DECIMAL_TEXT.test(raw.trim())) {
    const text = raw.trim();
    const point = text.indexOf('.');
    return { value: new Exact(text), scale: point < 0 ? 0 : text.length - point - 1 };
  }
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return { value: new Exact(raw), scale: 0 };
  if (typeof raw === 'number') {
    throw new MoneyHelperError(`$${helper}: ${name} is the floating-point number ${String(raw)}; write it as decimal text ("${String(raw)}") so it stays exact.`);
  }
  throw new MoneyHelperError(`$${helper}: ${name} must be decimal text like "12.50", not ${describe(raw)}.`);
}

function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (raw === undefined) return 'nothing (the field is missing)';
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  if (Array.isArray(raw)) return 'a list (sum it with $decimalSum)';
  return typeof raw;
}

function places(helper: string, name: string, raw: unknown, fallback?: number): number {
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= MAX_SCALE) return raw;
  throw new MoneyHelperError(`$${helper}: ${name} must be a whole number of decimal places from 0 to ${MAX_SCALE}, not ${describe(raw)}.`);
}

function mode(helper: string, raw: unknown): RoundingMode {
  if (raw === undefined) return 'HALF_EVEN';
  if (raw === 'HALF_EVEN' || raw === 'HALF_UP') return raw;
  throw new MoneyHelperError(`$${helper}: the rounding mode must be 'HALF_EVEN' or 'HALF_UP', not ${describe(raw)}.`);
}

function text(helper: string, value: Decimal, scale: number): string {
  if (value.sd(true) > MAX_DIGITS) throw new MoneyHelperError(`$${helper}: the result has more than ${MAX_DIGITS} digits.`);
  const fixed = value.toFixed(scale);
  // decimal.js keeps the sign of zero ("-0.00"): money has one zero.
  return /^-0(\.0+)?$/.test(fixed) ? fixed.slice(1) : fixed;
}

/** A missing operand (a path that matched nothing) gives a missing result, as JSONata's functions do. */
const absent = (...values: unknown[]): boolean => values.some((v) => v === undefined);

export function decimalAdd(a: unknown, b: unknown): string | undefined {
  if (absent(a, b)) return undefined;
  const x = operand('decimalAdd', 'the first value', a);
  const y = operand('decimalAdd', 'the second value', b);
  return text('decimalAdd', x.value.plus(y.value), Math.max(x.scale, y.scale));
}

export function decimalSub(a: unknown, b: unknown): string | undefined {
  if (absent(a, b)) return undefined;
  const x = operand('decimalSub', 'the first value', a);
  const y = operand('decimalSub', 'the second value', b);
  return text('decimalSub', x.value.minus(y.value), Math.max(x.scale, y.scale));
}

export function decimalMul(a: unknown, b: unknown): string | undefined {
  if (absent(a, b)) return undefined;
  const x = operand('decimalMul', 'the first value', a);
  const y = operand('decimalMul', 'the second value', b);
  return text('decimalMul', x.value.times(y.value), x.scale + y.scale);
}

/** a ÷ b rounded to `scale` places (HALF_EVEN unless told): a quotient has no natural scale. */
export function decimalDiv(a: unknown, b: unknown, scale: unknown, rounding?: unknown): string | undefined {
  if (absent(a, b)) return undefined;
  const x = operand('decimalDiv', 'the dividend', a);
  const y = operand('decimalDiv', 'the divisor', b);
  const dp = places('decimalDiv', 'the scale (third argument)', scale);
  const how = ROUNDING[mode('decimalDiv', rounding)];
  if (y.value.isZero()) throw new MoneyHelperError(`$decimalDiv: division of ${x.value.toFixed()} by zero.`);
  return text('decimalDiv', exactQuotient(x, y, dp, how), dp);
}

/**
 * a ÷ b rounded once to `places` decimals, on whole numbers: a = A/10^sa and b = B/10^sb, so
 * a ÷ b × 10^places = (A × 10^(sb + places)) ÷ (B × 10^sa), and the remainder of that integer division
 * says exactly which way to round. (decimal.js divided to 1,000 digits first: 17 µs a call.)
 */
function exactQuotient(x: Operand, y: Operand, places: number, how: Decimal.Rounding): Decimal {
  const numerator = wholeDigits(x) * 10n ** BigInt(y.scale + places);
  const denominator = wholeDigits(y) * 10n ** BigInt(x.scale);
  let quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder !== 0n) {
    const twice = 2n * (remainder < 0n ? -remainder : remainder);
    const whole = denominator < 0n ? -denominator : denominator;
    const tie = twice === whole;
    const away = twice > whole || (tie && (how === Decimal.ROUND_HALF_UP || quotient % 2n !== 0n));
    if (away) quotient += numerator < 0n !== denominator < 0n ? -1n : 1n;
  }
  return new Exact(`${quotient}e-${places}`);
}

/** The operand's digits as a whole number at its own scale ("-12.50", scale 2 → -1250). */
function wholeDigits(value: Operand): bigint {
  return BigInt(value.value.toFixed(value.scale).replace('.', ''));
}

/** `$round(x, places, 'HALF_EVEN' | 'HALF_UP')` on decimal text; replaces JSONata's float `$round`. */
export function roundDecimal(a: unknown, decimals?: unknown, rounding?: unknown): string | undefined {
  if (absent(a)) return undefined;
  const x = operand('round', 'the value', a);
  const dp = places('round', 'the number of places', decimals, 0);
  return text('round', x.value.toDecimalPlaces(dp, ROUNDING[mode('round', rounding)]), dp);
}

/** Sum of a list of decimal texts (a single value or nothing counts as a list of one or none). */
export function decimalSum(values: unknown): string {
  const list = values === undefined ? [] : Array.isArray(values) ? (values as unknown[]) : [values];
  let total = new Exact(0);
  let scale = 0;
  list.forEach((raw, i) => {
    const x = operand('decimalSum', `item ${i + 1}`, raw);
    total = total.plus(x.value);
    scale = Math.max(scale, x.scale);
  });
  return text('decimalSum', total, scale);
}

export function decimalNeg(a: unknown): string | undefined {
  if (absent(a)) return undefined;
  const x = operand('decimalNeg', 'the value', a);
  return text('decimalNeg', x.value.neg(), x.scale);
}

export function decimalAbs(a: unknown): string | undefined {
  if (absent(a)) return undefined;
  const x = operand('decimalAbs', 'the value', a);
  return text('decimalAbs', x.value.abs(), x.scale);
}

/** -1, 0 or 1 by value ("1.50" equals "1.5"): JSONata's `<` and `=` would compare the text. */
export function decimalCompare(a: unknown, b: unknown): number | undefined {
  if (absent(a, b)) return undefined;
  return operand('decimalCompare', 'the first value', a).value.comparedTo(operand('decimalCompare', 'the second value', b).value);
}

const comparing =
  (name: string, test: (order: number) => boolean) =>
  (a: unknown, b: unknown): boolean | undefined => {
    if (absent(a, b)) return undefined;
    return test(operand(name, 'the first value', a).value.comparedTo(operand(name, 'the second value', b).value));
  };

/**
 * Every helper by the name expressions call it with, and whether its result is money (the checker
 * treats a helper's money result like a money field). Bound without JSONata signatures, so a path
 * that matched nothing arrives as undefined and gives an undefined result.
 */
export const MONEY_HELPERS = {
  decimalAdd: { fn: decimalAdd, returns: 'money' },
  decimalSub: { fn: decimalSub, returns: 'money' },
  decimalMul: { fn: decimalMul, returns: 'money' },
  decimalDiv: { fn: decimalDiv, returns: 'money' },
  decimalSum: { fn: decimalSum, returns: 'money' },
  decimalNeg: { fn: decimalNeg, returns: 'money' },
  decimalAbs: { fn: decimalAbs, returns: 'money' },
  round: { fn: roundDecimal, returns: 'money' },
  decimalCompare: { fn: decimalCompare, returns: 'plain' },
  decimalEq: { fn: comparing('decimalEq', (o) => o === 0), returns: 'plain' },
  decimalLt: { fn: comparing('decimalLt', (o) => o < 0), returns: 'plain' },
  decimalLte: { fn: comparing('decimalLte', (o) => o <= 0), returns: 'plain' },
  decimalGt: { fn: comparing('decimalGt', (o) => o > 0), returns: 'plain' },
  decimalGte: { fn: comparing('decimalGte', (o) => o >= 0), returns: 'plain' },
  // Text from a reference list; bound per mapping with its tables (lookup-helper.ts).
  refLookup: { fn: lookupFunction(undefined), returns: 'plain' },
} as const satisfies Record<string, { fn: (...args: never[]) => unknown; returns: 'money' | 'plain' }>;

export type MoneyHelperName = keyof typeof MONEY_HELPERS;
