/**
 * One Z report from whatever carried it (a JSON object, a CSV line, a worksheet row) → the checked
 * model. Every problem is a FormatError naming the file, the line and the field, and what was expected.
 */
import { parseDecimal, type DecimalStyle } from '../decimal.ts';
import { subtractDecimals, sumDecimals } from '../decimal.ts';
import { FormatError } from '../format-error.ts';
import type { ZReport } from './model.ts';
import { toOffsetTime } from './zoned-time.ts';

export type ZField =
  | 'register'
  | 'zNumber'
  | 'businessDay'
  | 'openedAt'
  | 'closedAt'
  | 'currency'
  | 'total'
  | 'receiptCount'
  | 'openingFloat'
  | 'paidIn'
  | 'paidOut'
  | 'counted';

/** A report as found in the file, before any checking. */
export interface RawReport {
  line: number;
  get(field: ZField): string | undefined;
  tenders: ReadonlyArray<readonly [name: string, amount: string]>;
  /** How the field is named to a person: `reports[1].cash.counted` or `column "counted_cash"`. */
  fieldName(field: ZField | `tender ${string}`): string;
}

export interface ReadOptions {
  file: string;
  timeZone: string;
  decimal: DecimalStyle;
}

const OPTIONAL_ZERO: ReadonlySet<ZField> = new Set(['openingFloat', 'paidIn', 'paidOut']);

export function readReport(raw: RawReport, options: ReadOptions): ZReport {
  const fail = (field: ZField | `tender ${string}`, problem: string, expected: string): FormatError =>
    new FormatError({ file: options.file, line: raw.line, field: raw.fieldName(field) }, problem, { expected });
  const text = (field: ZField): string => {
    const value = raw.get(field)?.trim();
    if (value === undefined || value === '') throw fail(field, 'the value is missing', describeField(field));
    return value;
  };
  const amount = (field: ZField): string => {
    const value = raw.get(field)?.trim();
    if ((value === undefined || value === '') && OPTIONAL_ZERO.has(field)) return '0';
    const parsed = parseDecimal(text(field), options.decimal);
    if (parsed === undefined) throw fail(field, `"${text(field)}" is not an amount`, `an amount such as 1234.50${options.decimal.decimalSeparator === ',' ? ' or 1234,50' : ''}`);
    return parsed;
  };
  const time = (field: 'openedAt' | 'closedAt'): string => {
    const value = toOffsetTime(text(field), options.timeZone);
    if (value === undefined) throw fail(field, `"${text(field)}" is not a date and time`, 'YYYY-MM-DDTHH:MM:SS, optionally with a UTC offset such as +01:00');
    return value;
  };

  const register = text('register');
  if (register.length > 100) throw fail('register', 'the register name is longer than 100 characters', 'a short register name or number');
  const zText = text('zNumber').replace(/^Z[-\s]?/i, '');
  if (!/^\d{1,18}$/.test(zText)) throw fail('zNumber', `"${text('zNumber')}" is not a Z number`, 'digits, such as 00412 (a leading "Z-" is allowed)');
  // A date cell in Excel arrives as midnight of that day.
  const businessDay = text('businessDay').replace(/[T ]00:00(:00)?$/, '');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(businessDay) || Number.isNaN(Date.parse(`${businessDay}T00:00:00Z`))) {
    throw fail('businessDay', `"${businessDay}" is not a date`, 'YYYY-MM-DD');
  }
  const openedAt = time('openedAt');
  const closedAt = time('closedAt');
  if (Date.parse(closedAt) < Date.parse(openedAt)) {
    throw fail('closedAt', `the shift closes (${closedAt}) before it opens (${openedAt})`, 'a closing time after the opening time');
  }
  const currency = text('currency').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw fail('currency', `"${currency}" is not a currency code`, 'an ISO 4217 code such as EUR');

  const tenders: Record<string, string> = {};
  for (const [name, value] of raw.tenders) {
    const key = name.trim().toLowerCase();
    if (key === '') throw fail('tender ', 'a tender has no name', 'a tender name such as cash or card');
    if (key in tenders) throw fail(`tender ${key}`, `the tender "${key}" appears twice`, 'each tender once');
    if (value.trim() === '') continue;
    const parsed = parseDecimal(value, options.decimal);
    if (parsed === undefined) throw fail(`tender ${key}`, `"${value}" is not an amount`, 'an amount such as 834.50');
    tenders[key] = parsed;
  }
  if (Object.keys(tenders).length === 0) throw fail('total', 'the report lists no tenders', 'the takings per tender (cash, card, …)');

  const openingFloat = amount('openingFloat');
  const paidIn = amount('paidIn');
  const paidOut = amount('paidOut');
  const counted = amount('counted');
  const expected = subtractDecimals(sumDecimals([openingFloat, tenders.cash ?? '0', paidIn]), paidOut);
  const report: ZReport = {
    register,
    zNumber: zText,
    businessDay,
    openedAt,
    closedAt,
    currency,
    total: amount('total'),
    tenders,
    cash: { openingFloat, paidIn, paidOut, expected, counted, difference: subtractDecimals(counted, expected) },
    line: raw.line,
  };
  const receipts = raw.get('receiptCount')?.trim();
  if (receipts !== undefined && receipts !== '') {
    if (!/^\d{1,9}$/.test(receipts)) throw fail('receiptCount', `"${receipts}" is not a count`, 'a whole number');
    report.receiptCount = Number(receipts);
  }
  return report;
}

function describeField(field: ZField): string {
  const words: Record<ZField, string> = {
    register: 'the register (till) name or number',
    zNumber: 'the Z number',
    businessDay: 'the business day as YYYY-MM-DD',
    openedAt: 'the time the shift opened',
    closedAt: 'the time the shift closed',
    currency: 'the currency code, such as EUR',
    total: 'the total takings',
    receiptCount: 'the number of receipts',
    openingFloat: 'the opening float',
    paidIn: 'cash paid in',
    paidOut: 'cash paid out',
    counted: 'the counted cash in the drawer',
  };
  return words[field];
}
