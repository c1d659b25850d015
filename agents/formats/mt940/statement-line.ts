import { daysInMonth, expandTwoDigitYear, formatYmd, ymd } from '../dates.ts';
import { negateDecimal, parseDecimal } from '../decimal.ts';
import { FormatError } from '../format-error.ts';
import type { CreditDebit } from '../model.ts';

export interface StatementLine {
  bookingDate: string;
  valueDate?: string;
  /** Signed: negative for debits (D, RC, ED). */
  amount: string;
  creditDebit: CreditDebit;
  transactionType: string;
  customerReference?: string;
  bankReference?: string;
  /** Continuation lines of :61: (supplementary details, 34x). */
  supplementary?: string;
  warnings: string[];
}

// value date YYMMDD, entry date MMDD?, mark, funds code?, amount, type (N/F/S + 3), rest.
// The type's first letter is not checked: banks write N, F, S and also other letters.
const LINE = /^(\d{2})(\d{2})(\d{2})(\d{4})?(RC|RD|EC|ED|C|D)([A-Z])?(\d{1,15}(?:[,.]\d{0,4})?)([A-Z][A-Z0-9 ]{3})(.*)$/;

/** Parses one `:61:` statement line. Dates that do not exist become warnings when they can be repaired. */
export function parseStatementLine(value: string, where: { file: string; line: number }): StatementLine {
  const [first = '', ...rest] = value.split('\n');
  const m = LINE.exec(first.trimEnd());
  if (m === null) {
    throw new FormatError({ ...where, field: ':61:' }, `"${first.slice(0, 60)}" is not a statement line`, {
      expected: 'value date YYMMDD, optional entry date MMDD, a mark C/D/RC/RD, the amount with a decimal comma and a transaction type such as NTRF',
    });
  }
  const [, yy = '', mm = '', dd = '', entry, mark = '', , rawAmount = '', type = '', tail = ''] = m;
  const warnings: string[] = [];
  const year = expandTwoDigitYear(Number(yy));
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    throw new FormatError({ ...where, field: ':61:' }, `the value date ${yy}${mm}${dd} is not a date`, { expected: 'YYMMDD' });
  }
  const valueDate = ymd(year, month, day);
  let bookingDate: string | undefined;
  if (valueDate === undefined) {
    // German banks use 30 February as an interest value date (30/360 day count).
    warnings.push(
      `Line ${where.line}: the value date ${yy}${mm}${dd} does not exist (day ${day} of a ${daysInMonth(year, month)}-day month); it was left out.`,
    );
  }
  if (entry !== undefined) {
    const entryMonth = Number(entry.slice(0, 2));
    const entryDay = Number(entry.slice(2));
    // The entry date has no year: it is the value date's, unless the two sit either side of New Year.
    const entryYear = month === 12 && entryMonth === 1 ? year + 1 : month === 1 && entryMonth === 12 ? year - 1 : year;
    bookingDate = ymd(entryYear, entryMonth, entryDay);
    if (bookingDate === undefined) {
      throw new FormatError({ ...where, field: ':61:' }, `the entry date ${entry} is not a date`, { expected: 'MMDD' });
    }
  }
  if (bookingDate === undefined) {
    bookingDate = valueDate ?? formatYmd(year, month, daysInMonth(year, month));
    if (valueDate === undefined) warnings.push(`Line ${where.line}: the entry was booked on the last day of that month instead.`);
  }

  const amount = parseDecimal(rawAmount, { decimalSeparator: rawAmount.includes(',') ? ',' : '.' });
  if (amount === undefined) {
    throw new FormatError({ ...where, field: ':61:' }, `"${rawAmount}" is not an amount`, { expected: 'digits with a decimal comma, e.g. 1234,50' });
  }
  // RC (reversal of a credit) takes money out; RD (reversal of a debit) brings it back.
  const creditDebit: CreditDebit = mark === 'C' || mark === 'RD' || mark === 'EC' ? 'credit' : 'debit';
  const [customer = '', bank] = splitOnce(tail, '//');
  const line: StatementLine = {
    bookingDate,
    amount: creditDebit === 'debit' ? negateDecimal(amount) : amount,
    creditDebit,
    transactionType: type,
    warnings,
  };
  if (valueDate !== undefined) line.valueDate = valueDate;
  if (customer.trim() !== '' && customer.trim().toUpperCase() !== 'NONREF') line.customerReference = customer.trim();
  if (bank !== undefined && bank.trim() !== '' && bank.trim().toUpperCase() !== 'NONREF') line.bankReference = bank.trim();
  const supplementary = rest.map((l) => l.trim()).filter((l) => l !== '').join(' ');
  if (supplementary !== '') line.supplementary = supplementary;
  return line;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i === -1 ? [text, undefined] : [text.slice(0, i), text.slice(i + separator.length)];
}
