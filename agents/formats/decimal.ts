/**
 * Exact decimal arithmetic on strings, as bigint scaled integers. Money never becomes a JS number
 * (DESIGN.md §4.4): a float turns 0.1 + 0.2 into 0.30000000000000004 and a statement that adds up
 * would be reported as broken, or worse, the other way round.
 *
 * A canonical decimal string is `-?\d+(\.\d+)?` without leading zeros: `"12.50"`, `"-0.42"`, `"300"`.
 * The scale (digits after the point) is kept as the bank wrote it.
 */

export interface ScaledDecimal {
  /** The value times 10^scale. */
  units: bigint;
  scale: number;
}

export interface DecimalStyle {
  /** `.` (default) or `,`. */
  decimalSeparator?: '.' | ',';
  /** `''` (default: none accepted), `.`, `,`, `'`, ` `, or `'\u00a0'`/`'\u202f'` (spaces as printed). */
  thousandsSeparator?: string;
}

const CANONICAL = /^-?\d+(\.\d+)?$/;

/**
 * Reads a decimal written by a bank or a person: optional sign, digits, optional separators.
 * Returns the canonical string, or undefined when the text is not a number in the given style
 * (so the caller can raise a FormatError that names the field).
 */
export function parseDecimal(text: string, style: DecimalStyle = {}): string | undefined {
  const decimalSeparator = style.decimalSeparator ?? '.';
  const thousands = style.thousandsSeparator ?? '';
  let s = text.trim();
  if (s.length === 0 || s.length > 64) return undefined;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    s = s.slice(1).trimStart();
  }
  let intPart = s;
  let fracPart = '';
  const point = s.lastIndexOf(decimalSeparator);
  if (point >= 0) {
    intPart = s.slice(0, point);
    fracPart = s.slice(point + 1);
    if (!/^\d*$/.test(fracPart)) return undefined;
  }
  if (thousands !== '' && intPart.includes(thousands)) {
    const groups = intPart.split(thousands);
    // Groups after the first must have exactly three digits, so "1.23" with a thousands dot is
    // refused instead of being read as 123.
    if (!/^\d{1,3}$/.test(groups[0] ?? '') || groups.slice(1).some((g) => !/^\d{3}$/.test(g))) return undefined;
    intPart = groups.join('');
  }
  if (!/^\d*$/.test(intPart) || (intPart === '' && fracPart === '')) return undefined;
  return canonical(negative, intPart === '' ? '0' : intPart, fracPart);
}

/** True for a canonical decimal string (what parseDecimal returns). */
export function isCanonicalDecimal(text: string): boolean {
  return CANONICAL.test(text);
}

/** `"2500"` with 2 minor units → `"25.00"` (BAI2 amounts carry implied decimals). */
export function decimalFromMinorUnits(digits: string, minorUnits: number, negative = false): string | undefined {
  if (!/^\d{1,40}$/.test(digits)) return undefined;
  const padded = digits.padStart(minorUnits + 1, '0');
  const intPart = padded.slice(0, padded.length - minorUnits);
  const fracPart = minorUnits === 0 ? '' : padded.slice(padded.length - minorUnits);
  return canonical(negative, intPart, fracPart);
}

export function toScaled(value: string): ScaledDecimal {
  if (!CANONICAL.test(value)) throw new Error(`not a canonical decimal: ${JSON.stringify(value)}`);
  const negative = value.startsWith('-');
  const body = negative ? value.slice(1) : value;
  const [intPart = '0', fracPart = ''] = body.split('.');
  const units = BigInt(intPart + fracPart);
  return { units: negative ? -units : units, scale: fracPart.length };
}

export function fromScaled(value: ScaledDecimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const intPart = digits.slice(0, digits.length - value.scale);
  const fracPart = value.scale === 0 ? '' : digits.slice(digits.length - value.scale);
  return canonical(negative, intPart, fracPart);
}

function rescale(value: ScaledDecimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

export function addScaled(a: ScaledDecimal, b: ScaledDecimal): ScaledDecimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function addDecimals(a: string, b: string): string {
  return fromScaled(addScaled(toScaled(a), toScaled(b)));
}

export function subtractDecimals(a: string, b: string): string {
  return addDecimals(a, negateDecimal(b));
}

export function sumDecimals(values: Iterable<string>): string {
  let total: ScaledDecimal = { units: 0n, scale: 0 };
  for (const value of values) total = addScaled(total, toScaled(value));
  return fromScaled(total);
}

export function negateDecimal(value: string): string {
  const scaled = toScaled(value);
  return fromScaled({ units: -scaled.units, scale: scaled.scale });
}

/** Numeric comparison: `"3085"` equals `"3085.00"`. Returns -1, 0 or 1. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

export function isNegativeDecimal(value: string): boolean {
  return toScaled(value).units < 0n;
}

export function absDecimal(value: string): string {
  return value.startsWith('-') ? value.slice(1) : value;
}

/** For people: `"-1234.5"` → `"-1,234.50"` (at least two decimals, thousands commas). */
export function formatDecimalForHumans(value: string): string {
  const negative = value.startsWith('-');
  const [intPart = '0', fracPart = ''] = (negative ? value.slice(1) : value).split('.');
  const grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${fracPart.padEnd(2, '0')}`;
}

function canonical(negative: boolean, intPart: string, fracPart: string): string {
  const int = intPart.replace(/^0+(?=\d)/, '');
  const body = fracPart === '' ? int : `${int}.${fracPart}`;
  const zero = /^[0.]*$/.test(body);
  return negative && !zero ? `-${body}` : body;
}
