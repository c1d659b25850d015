/**
 * The JSON Schema side of validation: ajv (draft 2020-12) with the formats bookkeeping data needs and
 * an exact decimal range keyword, because JSON Schema's own minimum/maximum compare JS numbers and our
 * money is decimal text ("12.50") that must never pass through a float.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Decimal } from 'decimal.js';
import { isCurrency, isCountry, isIban, validateBic } from '../reference/index.ts';

export const MONEY_TEXT = /^-?\d+(\.\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

export function isDateText(text: string): boolean {
  const match = DATE_TEXT.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** What each custom format expects, in words for the failure message. */
export const FORMAT_EXPECTATIONS: Readonly<Record<string, string>> = {
  money: 'decimal text such as "12.50" (no thousands separators, no currency sign)',
  date: 'a date written YYYY-MM-DD that exists on the calendar',
  timestamp: 'an RFC 3339 timestamp with a zone, such as "2026-11-28T09:30:00Z"',
  iban: 'a valid IBAN (country, check digits and length)',
  bic: 'a valid BIC of 8 or 11 characters',
  currency: 'an ISO 4217 currency code such as "EUR"',
  country: 'an ISO 3166-1 two-letter country code such as "GB"',
};

function decimalOrUndefined(text: unknown): Decimal | undefined {
  return typeof text === 'string' && MONEY_TEXT.test(text) ? new Decimal(text) : undefined;
}

export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, verbose: true });
  ajv.addFormat('money', { type: 'string', validate: (text) => MONEY_TEXT.test(text) });
  ajv.addFormat('date', { type: 'string', validate: isDateText });
  ajv.addFormat('timestamp', { type: 'string', validate: (text) => TIMESTAMP_TEXT.test(text) && isDateText(text.slice(0, 10)) });
  ajv.addFormat('iban', { type: 'string', validate: isIban });
  ajv.addFormat('bic', { type: 'string', validate: (text) => validateBic(text).ok });
  ajv.addFormat('currency', { type: 'string', validate: isCurrency });
  ajv.addFormat('country', { type: 'string', validate: isCountry });
  for (const [keyword, accept] of [
    ['decimalMinimum', (value: Decimal, limit: Decimal) => value.gte(limit)],
    ['decimalMaximum', (value: Decimal, limit: Decimal) => value.lte(limit)],
  ] as const) {
    ajv.addKeyword({
      keyword,
      type: 'string',
      schemaType: 'string',
      metaSchema: { type: 'string', pattern: MONEY_TEXT.source },
      // Text that is not a decimal is the `format: money` check's to report, not the range's.
      validate: (limit: string, value: string) => {
        const decimal = decimalOrUndefined(value);
        return decimal === undefined || accept(decimal, new Decimal(limit));
      },
    });
  }
  return ajv.compile(schema);
}

export type SchemaError = ErrorObject;
