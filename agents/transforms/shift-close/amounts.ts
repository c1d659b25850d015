/**
 * Amounts as a database prints them → exact decimal strings, and back into words for people. The
 * arithmetic itself is agents/formats/decimal.ts (bigint scaled integers): a shift's figures never
 * pass through a JS number, so 0.10 + 0.20 is 0.30 and a till that balances is never reported short.
 */
import { formatDecimalForHumans, fromScaled, parseDecimal, toScaled } from '../../formats/decimal.ts';

const EXPONENT = /^([+-]?)(\d+)(?:\.(\d*))?[eE]([+-]?\d{1,4})$/;

/**
 * Database text of a number → canonical decimal (`"12.50"`, `"-0.1"`), or undefined when it is not
 * one (NULL, `NaN`, `Infinity`, text). Accepts exponent forms, which PostgreSQL and MariaDB print
 * for small or large DOUBLE values (`1e-05`), and converts them exactly.
 */
export function parseAmount(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined) return undefined;
  const trimmed = text.trim();
  const plain = parseDecimal(trimmed);
  if (plain !== undefined) return plain;
  const parts = EXPONENT.exec(trimmed);
  if (parts === null) return undefined;
  const [, sign = '', intPart = '0', fracPart = '', exponentText = '0'] = parts;
  const digits = `${intPart}${fracPart}`;
  const exponent = Number(exponentText) - fracPart.length;
  const units = BigInt(digits) * (exponent > 0 ? 10n ** BigInt(exponent) : 1n);
  const scaled = { units: sign === '-' ? -units : units, scale: exponent < 0 ? -exponent : 0 };
  return fromScaled(scaled);
}

/**
 * Rounds half away from zero to `decimals` places (the rule tills use for cents). Used when a POS
 * keeps money in DOUBLE columns (uniCenta does), whose text carries binary noise such as
 * `13.049999999999999`.
 */
export function roundAmount(value: string, decimals: number): string {
  const { units, scale } = toScaled(value);
  if (scale <= decimals) return fromScaled({ units: units * 10n ** BigInt(decimals - scale), scale: decimals });
  const divisor = 10n ** BigInt(scale - decimals);
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return fromScaled({ units: negative ? -quotient : quotient, scale: decimals });
}

/** `"-1234.5"`, `"EUR"` → `"-1,234.50 EUR"`: how a bookkeeper reads an amount. */
export function formatMoney(value: string, currency: string | undefined): string {
  const text = formatDecimalForHumans(value);
  return currency === undefined ? text : `${text} ${currency}`;
}
