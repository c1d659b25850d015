import { expandTwoDigitYear, ymd } from '../dates.ts';
import { compareDecimals, decimalFromMinorUnits } from '../decimal.ts';
import { EntryKeyer } from '../entry-key.ts';
import { FormatError, type ParseContext } from '../format-error.ts';
import type { ControlTotal, Entry, Money, ParsedFile, Statement } from '../model.ts';
import { decodeText } from '../text-decode.ts';
import { splitBai2Records, type Bai2Record } from './records.ts';

/** ISO 4217 currencies whose minor unit is not two digits (BAI2 amounts carry implied decimals). */
const MINOR_UNITS: Record<string, number> = {
  JPY: 0, KRW: 0, CLP: 0, ISK: 0, VND: 0, XAF: 0, XOF: 0, PYG: 0, UGX: 0, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3, LYD: 3, IQD: 3,
};

interface Account {
  record: Bai2Record;
  statement: Statement;
  keyer: EntryKeyer;
  /** Sum of every amount in the 03 and 16 records, in minor units, as the 49 trailer states it. */
  sum: bigint;
  records: number;
}

interface Group {
  record: Bai2Record;
  asOf: string;
  currency: string | undefined;
  sum: bigint;
  records: number;
  accounts: number;
}

/**
 * BAI2 (cash management balance reporting) → one statement per account (03 record), with the
 * file (99), group (98) and account (49) trailer totals and record counts as control totals.
 * Opening/closing ledger balances are type codes 010/015.
 */
export function parseBai2(input: Uint8Array | string, context: ParseContext): ParsedFile {
  const file = context.file;
  const warnings: string[] = [];
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const decoded = decodeText(input, { file, encoding: 'auto' });
    text = decoded.text;
    if (decoded.warning !== undefined) warnings.push(decoded.warning);
  }
  const records = splitBai2Records(text, file);
  const statements: Statement[] = [];
  const controlTotals: ControlTotal[] = [];
  let fileOpen: { record: Bai2Record; sum: bigint; records: number; groups: number } | undefined;
  let fileClosed = false;
  let group: Group | undefined;
  let account: Account | undefined;

  const fail = (record: Bai2Record, problem: string, expected: string, field?: string): FormatError =>
    new FormatError({ file, line: record.line, field: field ?? `record ${record.code}` }, problem, { expected });

  for (const record of records) {
    if (fileClosed) throw fail(record, 'a record follows the 99 file trailer', 'the end of the file');
    if (record.code !== '01' && fileOpen === undefined) throw fail(record, `the file starts with a ${record.code} record`, 'a 01 file header first');
    switch (record.code) {
      case '01':
        if (fileOpen !== undefined) throw fail(record, 'a second 01 file header', 'one file header');
        fileOpen = { record, sum: 0n, records: record.physical, groups: 0 };
        break;
      case '02': {
        if (group !== undefined) throw fail(record, `a group header while the group from line ${group.record.line} is still open`, 'a 98 group trailer first');
        const asOf = bai2Date(record.fields[3], () => fail(record, `"${record.fields[3] ?? ''}" is not an as-of date`, 'YYMMDD', 'as-of date'));
        const currency = record.fields[5]?.trim().toUpperCase() || undefined;
        group = { record, asOf, currency, sum: 0n, records: record.physical, accounts: 0 };
        break;
      }
      case '03': {
        if (group === undefined) throw fail(record, 'an account record outside a group', 'a 02 group header first');
        if (account !== undefined) throw fail(record, `an account record while the account from line ${account.record.line} is still open`, 'a 49 account trailer first');
        account = openAccount(record, group, file, warnings);
        break;
      }
      case '16': {
        if (account === undefined) throw fail(record, 'a transaction detail outside an account', 'a 03 account record first');
        addDetail(account, record, file);
        break;
      }
      case '49': {
        if (account === undefined || group === undefined) throw fail(record, 'an account trailer without an account', 'a 03 account record first');
        const open: Account = account;
        open.records += record.physical;
        const decimals = MINOR_UNITS[open.statement.currency] ?? 2;
        controlTotals.push(trailerTotal(`account trailer (49, line ${record.line}) for account ${open.statement.accountId}`, record, open.sum, open.records, decimals, open.statement.currency, file));
        const repeated = open.keyer.repeatedReferenceWarning();
        if (repeated !== undefined) open.statement.warnings.push(repeated);
        statements.push(open.statement);
        group.sum += statedAmount(record.fields[0], record, file) ?? open.sum;
        group.records += open.records;
        group.accounts += 1;
        account = undefined;
        break;
      }
      case '98': {
        if (group === undefined) throw fail(record, 'a group trailer without a group', 'a 02 group header first');
        if (account !== undefined) throw fail(record, `the group ends while the account from line ${account.record.line} is still open`, 'a 49 account trailer first');
        const open: Group = group;
        const whole = requireFile(fileOpen, record);
        open.records += record.physical;
        const decimals = MINOR_UNITS[open.currency ?? 'USD'] ?? 2;
        const total = trailerTotal(`group trailer (98, line ${record.line})`, record, open.sum, open.records, decimals, open.currency, file, 2);
        controlTotals.push(total, countTotal(`accounts in the group (98, line ${record.line})`, record.fields[1], open.accounts, record, file));
        whole.sum += statedAmount(record.fields[0], record, file) ?? open.sum;
        whole.records += open.records;
        whole.groups += 1;
        group = undefined;
        break;
      }
      case '99': {
        if (group !== undefined) throw fail(record, `the file ends while the group from line ${group.record.line} is still open`, 'a 98 group trailer first');
        const whole = requireFile(fileOpen, record);
        whole.records += record.physical;
        controlTotals.push(
          trailerTotal(`file trailer (99, line ${record.line})`, record, whole.sum, whole.records, 2, undefined, file, 2),
          countTotal(`groups in the file (99, line ${record.line})`, record.fields[1], whole.groups, record, file),
        );
        fileClosed = true;
        break;
      }
      default:
        throw fail(record, `unexpected record ${record.code}`, 'a BAI2 record');
    }
  }
  if (!fileClosed) {
    const last = records[records.length - 1];
    throw new FormatError({ file, line: last?.line ?? 1, field: 'record 99' }, 'the file ends without its 99 file trailer; it looks cut off', {
      expected: '49, 98 and 99 trailers closing the account, group and file',
    });
  }
  forgiveRecordMiscounts(controlTotals, warnings, file);
  return { format: 'bai2', statements, warnings, controlTotals };
}

/**
 * Bank software often miscounts records in a trailer (88 continuations counted or not). When every
 * amount total in the file agrees, the money is accounted for and a record count that disagrees is
 * a warning; when any amount disagrees the counts stay checks too (and the file is rejected anyway).
 */
function forgiveRecordMiscounts(totals: ControlTotal[], warnings: string[], file: string): void {
  const amounts = totals.filter((t) => t.statedAmount !== undefined && t.computedAmount !== undefined);
  if (amounts.some((t) => compareDecimals(t.statedAmount ?? '0', t.computedAmount ?? '0') !== 0)) return;
  for (const total of totals) {
    if (total.computedAmount === undefined || total.statedCount === undefined || total.statedCount === total.computedCount) continue;
    warnings.push(
      `${file}: the ${total.name.replace(/^BAI2 /, '')} states ${total.statedCount} records but ${total.computedCount} were found; every amount total agrees, so this is taken as the bank software's miscount (often of 88 continuation records).`,
    );
    delete total.statedCount;
  }
}

function requireFile<T>(open: T | undefined, record: Bai2Record): T {
  if (open === undefined) throw new Error(`BAI2 record ${record.code} on line ${record.line} reached without a file header`);
  return open;
}

function openAccount(record: Bai2Record, group: Group, file: string, warnings: string[]): Account {
  const accountId = record.fields[0]?.trim() ?? '';
  if (accountId === '') throw new FormatError({ file, line: record.line, field: 'account number' }, 'the account record has no account number', { expected: 'an account number' });
  let currency = record.fields[1]?.trim().toUpperCase() || group.currency;
  if (currency === undefined) {
    currency = 'USD';
    warnings.push(`Account ${accountId}: no currency is given for the account or its group; BAI2 then means US dollars.`);
  }
  if (!/^[A-Z]{3}$/.test(currency)) throw new FormatError({ file, line: record.line, field: 'currency' }, `"${currency}" is not a currency code`, { expected: 'an ISO 4217 code such as USD' });
  const decimals = MINOR_UNITS[currency] ?? 2;
  const statement: Statement = { format: 'bai2', accountId, currency, entries: [], warnings: [], periodStart: group.asOf, periodEnd: group.asOf };
  let sum = 0n;
  const fields = record.fields.slice(2);
  // Where the trailing empty fields begin, found once (checking the rest on every step was quadratic).
  let filled = fields.length;
  while (filled > 0 && (fields[filled - 1] ?? '').trim() === '') filled -= 1;
  let i = 0;
  while (i < filled) {
    const [type = '', amount = '', , funds = ''] = fields.slice(i, i + 4);
    i += 4 + fundsExtra(funds, fields, i + 4, record, file);
    if (type.trim() === '' && amount.trim() === '') continue;
    if (!/^\d{3}$/.test(type.trim())) throw new FormatError({ file, line: record.line, field: 'type code' }, `"${type}" is not a type code`, { expected: 'three digits such as 010' });
    const raw = statedAmount(amount, record, file);
    if (raw === undefined) continue;
    sum += raw;
    const money: Money = { amount: toDecimal(raw, decimals), currency, date: group.asOf, kind: type.trim() };
    if (type.trim() === '010') statement.openingBalance = money;
    if (type.trim() === '015') statement.closingBalance = money;
  }
  return { record, statement, keyer: new EntryKeyer(accountId), sum, records: record.physical };
}

function addDetail(account: Account, record: Bai2Record, file: string): void {
  const f = record.fields;
  const type = f[0]?.trim() ?? '';
  const where = { file, line: record.line };
  if (!/^\d{3}$/.test(type)) throw new FormatError({ ...where, field: 'type code' }, `"${type}" is not a type code`, { expected: 'three digits such as 142' });
  const digits = f[1]?.trim() ?? '';
  if (!/^\d{1,18}$/.test(digits)) throw new FormatError({ ...where, field: 'amount' }, `"${digits}" is not an amount`, { expected: 'digits with implied decimals, e.g. 2500 for 25.00' });
  const extra = fundsExtra(f[2] ?? '', f, 3, record, file);
  const rest = 3 + extra;
  const code = Number(type);
  const raw = BigInt(digits);
  account.sum += raw;
  account.records += record.physical;
  const side = (code >= 100 && code <= 399) || (code >= 920 && code <= 959) ? 'credit' : (code >= 400 && code <= 699) || code >= 960 ? 'debit' : undefined;
  if (side === undefined) {
    account.statement.warnings.push(`Line ${record.line}: detail type ${type} is neither a credit nor a debit; it was not taken as an entry.`);
    return;
  }
  const { statement } = account;
  const decimals = MINOR_UNITS[statement.currency] ?? 2;
  const magnitude = toDecimal(raw, decimals);
  const entry: Omit<Entry, 'entryKey'> = {
    bookingDate: statement.periodEnd ?? '',
    amount: side === 'debit' && raw !== 0n ? `-${magnitude}` : magnitude,
    currency: statement.currency,
    creditDebit: side,
  };
  if ((f[2] ?? '').trim().toUpperCase() === 'V') {
    const valueDate = bai2Date(f[3], () => new FormatError({ ...where, field: 'value date' }, `"${f[3] ?? ''}" is not a value date`, { expected: 'YYMMDD' }));
    entry.valueDate = valueDate;
  }
  const bankReference = f[rest]?.trim();
  const customerReference = f[rest + 1]?.trim();
  const text = [f.slice(rest + 2).join(','), ...record.continuations].join(' ').replace(/\s+/g, ' ').trim();
  if (bankReference !== undefined && bankReference !== '') entry.bankReference = bankReference;
  const remittance = text !== '' ? text : customerReference;
  if (remittance !== undefined && remittance !== '') entry.remittance = remittance;
  statement.entries.push({ ...entry, entryKey: account.keyer.keyFor(entry) });
}

/** How many fields follow a funds type code: V → value date and time, S → three amounts, D → a distribution list. */
function fundsExtra(funds: string, fields: string[], at: number, record: Bai2Record, file: string): number {
  switch (funds.trim().toUpperCase()) {
    case '':
    case 'Z':
    case '0':
    case '1':
    case '2':
      return 0;
    case 'V':
      return 2;
    case 'S':
      return 3;
    case 'D': {
      const n = fields[at]?.trim() ?? '';
      if (!/^\d{1,2}$/.test(n)) throw new FormatError({ file, line: record.line, field: 'funds type D' }, `"${n}" is not a number of distributions`, { expected: 'a count' });
      return 1 + 2 * Number(n);
    }
    default:
      throw new FormatError({ file, line: record.line, field: 'funds type' }, `"${funds}" is not a funds type`, { expected: 'Z, 0, 1, 2, V, S or D' });
  }
}

function trailerTotal(
  name: string,
  record: Bai2Record,
  computedSum: bigint,
  computedCount: number,
  decimals: number,
  currency: string | undefined,
  file: string,
  countField = 1,
): ControlTotal {
  const stated = statedAmount(record.fields[0], record, file);
  const count = record.fields[countField]?.trim() ?? '';
  const total: ControlTotal = { name: `BAI2 ${name}`, computedAmount: toDecimal(computedSum, decimals), computedCount };
  if (stated !== undefined) total.statedAmount = toDecimal(stated, decimals);
  if (/^\d+$/.test(count)) total.statedCount = Number(count);
  if (currency !== undefined) total.currency = currency;
  return total;
}

function countTotal(name: string, stated: string | undefined, computed: number, record: Bai2Record, file: string): ControlTotal {
  const value = stated?.trim() ?? '';
  if (value !== '' && !/^\d+$/.test(value)) throw new FormatError({ file, line: record.line, field: name }, `"${value}" is not a count`, { expected: 'a number' });
  return value === '' ? { name: `BAI2 ${name}`, computedCount: computed } : { name: `BAI2 ${name}`, statedCount: Number(value), computedCount: computed };
}

function statedAmount(text: string | undefined, record: Bai2Record, file: string): bigint | undefined {
  const value = text?.trim() ?? '';
  if (value === '') return undefined;
  if (!/^[+-]?\d{1,20}$/.test(value)) {
    throw new FormatError({ file, line: record.line, field: `record ${record.code} amount` }, `"${value}" is not an amount`, { expected: 'digits with an optional sign' });
  }
  return BigInt(value);
}

function toDecimal(units: bigint, decimals: number): string {
  const negative = units < 0n;
  return decimalFromMinorUnits((negative ? -units : units).toString(), decimals, negative) ?? '0';
}

function bai2Date(text: string | undefined, error: () => FormatError): string {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(text?.trim() ?? '');
  const date = m === null ? undefined : ymd(expandTwoDigitYear(Number(m[1])), Number(m[2]), Number(m[3]));
  if (date === undefined) throw error();
  return date;
}
