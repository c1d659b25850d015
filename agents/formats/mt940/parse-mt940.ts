import { expandTwoDigitYear, ymd } from '../dates.ts';
import { negateDecimal, parseDecimal, sumDecimals } from '../decimal.ts';
import { EntryKeyer } from '../entry-key.ts';
import { FormatError, type ParseContext } from '../format-error.ts';
import type { ControlTotal, Entry, Money, ParsedFile, Statement } from '../model.ts';
import { decodeText } from '../text-decode.ts';
import { parseDetails, type EntryDetails } from './details.ts';
import { parseStatementLine, type StatementLine } from './statement-line.ts';
import { tokenizeSwift, type SwiftField } from './tokenize.ts';

export interface Mt940Options extends ParseContext {
  /** Encoding when the bytes are not UTF-8; default windows-1252. */
  encoding?: string;
}

interface Draft {
  line: number;
  accountField?: SwiftField;
  number?: string;
  opening?: Money;
  closing?: Money;
  lines: { line: StatementLine; details: EntryDetails; ns?: string; at: number }[];
  interim: boolean;
  interimCurrency?: string;
  periodEnd?: string;
  totals: { side: 'debit' | 'credit'; count: number; currency: string; amount: string; at: number }[];
}

const KNOWN_IGNORED = new Set(['21', '64', '65', '25P', '23']);
const BALANCE = /^(C|D)(\d{2})(\d{2})(\d{2})([A-Z]{3})(\d[\d,.]*)$/;

/**
 * SWIFT MT940 (statement) and MT942 (interim report) → statements: the fields :20: :25: :28C:
 * :60F/M: :61: :86: :62F/M: :64: and MT942's :34F: :13D: :90D: :90C:, the common :86: dialects,
 * the Rabobank legacy layout (`:940:` header, zero-padded amounts with a point), CRLF/LF/CR and
 * 8-bit code pages.
 */
export function parseMt940(input: Uint8Array | string, options: Mt940Options): ParsedFile {
  const warnings: string[] = [];
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const decoded = decodeText(input, { file: options.file, encoding: 'auto', fallback: options.encoding ?? 'windows-1252' });
    text = decoded.text;
    if (decoded.warning !== undefined) warnings.push(decoded.warning);
  }
  const rabobankLegacy = /^[ \t]*:940:[ \t]*$/m.test(text.slice(0, 200));
  const drafts: Draft[] = [];
  const ignoredTags = new Set<string>();
  for (const message of tokenizeSwift(text, options.file)) {
    let draft: Draft | undefined;
    let entryOpen = false;
    for (const field of message.fields) {
      if (field.tag === '20') {
        draft = { line: field.line, lines: [], interim: false, totals: [] };
        drafts.push(draft);
        entryOpen = false;
        continue;
      }
      if (draft === undefined) {
        throw new FormatError({ file: options.file, line: field.line, field: `:${field.tag}:` }, 'a field comes before the statement begins', {
          expected: 'a :20: transaction reference first',
        });
      }
      entryOpen = readField(draft, field, entryOpen, options.file, ignoredTags);
    }
  }
  if (drafts.length === 0) {
    throw new FormatError({ file: options.file, line: 1 }, 'no MT940/MT942 statement was found', { expected: 'a :20: field starting a statement' });
  }
  for (const tag of ignoredTags) warnings.push(`Field :${tag}: is not part of MT940/MT942 and was ignored.`);
  const statements = drafts.map((d) => finish(d, options.file, rabobankLegacy));
  const controlTotals = drafts.flatMap((d, i) => (statements[i] === undefined ? [] : totalsOf(d, statements[i])));
  const format = statements.every((s) => s.format === 'mt942') ? 'mt942' : 'mt940';
  return { format, statements, warnings, ...(controlTotals.length > 0 ? { controlTotals } : {}) };
}

/** Applies one field to the statement being read; returns whether an entry is still open for :86:. */
function readField(draft: Draft, field: SwiftField, entryOpen: boolean, file: string, ignored: Set<string>): boolean {
  const where = { file, line: field.line, field: `:${field.tag}:` };
  const value = field.value.trim();
  switch (field.tag) {
    case '25':
      if (draft.accountField !== undefined) {
        throw new FormatError(where, `the account appears a second time in the statement that began on line ${draft.line}`, {
          expected: 'one :25: per statement (a new statement starts with :20:)',
        });
      }
      if (value === '') throw new FormatError(where, 'the account is empty', { expected: 'an account number or IBAN' });
      draft.accountField = field;
      return false;
    case '28':
    case '28C':
      draft.number = value.split('\n')[0]?.trim() ?? '';
      return false;
    case '60F':
    case '60M':
    case '62F':
    case '62M': {
      const opening = field.tag.startsWith('60');
      if ((opening ? draft.opening : draft.closing) !== undefined) {
        throw new FormatError(where, `a second ${opening ? 'opening' : 'closing'} balance in the statement that began on line ${draft.line}`, {
          expected: 'one opening (:60F:/:60M:) and one closing (:62F:/:62M:) balance per statement',
        });
      }
      if (opening && draft.lines.length > 0) {
        throw new FormatError(where, 'the opening balance comes after the statement lines', { expected: ':60F: before the first :61:' });
      }
      const balance = parseBalance(value, field.tag, where);
      if (opening) draft.opening = balance;
      else draft.closing = balance;
      return false;
    }
    case '61':
      if (draft.closing !== undefined) {
        throw new FormatError({ ...where }, 'a statement line comes after the closing balance', { expected: ':61: lines before :62F:' });
      }
      draft.lines.push({ line: parseStatementLine(field.value, where), details: {}, at: field.line });
      return true;
    case '86': {
      const last = draft.lines[draft.lines.length - 1];
      if (entryOpen && last !== undefined) {
        const details = parseDetails(field.value);
        // Rabobank writes several :86: fields per entry: their texts are one remittance.
        last.details =
          last.details.remittance === undefined
            ? details
            : { ...last.details, ...details, remittance: [last.details.remittance, details.remittance].filter(Boolean).join(' ') };
      }
      return entryOpen;
    }
    case 'NS': {
      const last = draft.lines[draft.lines.length - 1];
      if (entryOpen && last !== undefined) last.ns = field.value.replace(/\s+/g, ' ').trim();
      return entryOpen;
    }
    case '34F': {
      draft.interim = true;
      const m = /^([A-Z]{3})/.exec(value);
      if (m === null) throw new FormatError(where, `"${value}" is not a floor limit`, { expected: 'a currency and amount, e.g. EURD0,00' });
      draft.interimCurrency ??= m[1];
      return false;
    }
    case '13':
    case '13D': {
      draft.interim = true;
      // Date and time with its UTC offset; older MT942s (and some banks) leave the offset out.
      const m = /^(\d{2})(\d{2})(\d{2})\d{4}(?:[+-]\d{4})?$/.exec(value);
      const date = m === null ? undefined : ymd(expandTwoDigitYear(Number(m[1])), Number(m[2]), Number(m[3]));
      if (date === undefined) throw new FormatError(where, `"${value}" is not a date and time`, { expected: 'YYMMDDhhmm+hhmm' });
      draft.periodEnd = date;
      return false;
    }
    case '90D':
    case '90C': {
      draft.interim = true;
      const m = /^(\d{1,5})([A-Z]{3})(\d[\d,.]*)$/.exec(value);
      const amount = m === null ? undefined : parseDecimal(m[3] ?? '', { decimalSeparator: (m[3] ?? '').includes(',') ? ',' : '.' });
      if (m === null || amount === undefined) {
        throw new FormatError(where, `"${value}" is not a number of entries and a sum`, { expected: 'count, currency and amount, e.g. 3EUR12,50' });
      }
      draft.totals.push({ side: field.tag === '90D' ? 'debit' : 'credit', count: Number(m[1]), currency: m[2] ?? '', amount, at: field.line });
      return false;
    }
    default:
      if (!KNOWN_IGNORED.has(field.tag)) ignored.add(field.tag);
      return false;
  }
}

function parseBalance(value: string, tag: string, where: { file: string; line: number; field: string }): Money {
  const m = BALANCE.exec(value.split('\n')[0]?.trim() ?? '');
  const date = m === null ? undefined : ymd(expandTwoDigitYear(Number(m[2])), Number(m[3]), Number(m[4]));
  const raw = m?.[6] ?? '';
  const amount = parseDecimal(raw, { decimalSeparator: raw.includes(',') ? ',' : '.' });
  if (m === null || date === undefined || amount === undefined) {
    throw new FormatError(where, `"${value.slice(0, 40)}" is not a balance`, { expected: 'C or D, date YYMMDD, currency and amount, e.g. C240131EUR1234,56' });
  }
  return { amount: m[1] === 'D' ? negateDecimal(amount) : amount, currency: m[5] ?? '', date, kind: tag };
}

function finish(draft: Draft, file: string, rabobankLegacy: boolean): Statement {
  const where = { file, line: draft.line };
  if (draft.accountField === undefined) {
    throw new FormatError({ ...where, field: ':25:' }, 'the statement does not say which account it is for', { expected: 'a :25: account field' });
  }
  if (!draft.interim && (draft.opening === undefined || draft.closing === undefined)) {
    const missing = draft.opening === undefined ? 'opening balance (:60F:)' : 'closing balance (:62F:)';
    throw new FormatError({ ...where, field: draft.opening === undefined ? ':60F:' : ':62F:' }, `the statement that begins here has no ${missing}; the file may be cut off`, {
      expected: `a ${missing}`,
    });
  }
  const currency = draft.opening?.currency ?? draft.closing?.currency ?? draft.interimCurrency ?? draft.totals[0]?.currency ?? 'XXX';
  const { accountId, iban } = readAccount(draft.accountField.value.trim(), currency);
  const warnings: string[] = [];
  const keyer = new EntryKeyer(accountId);
  const entries: Entry[] = draft.lines.map(({ line, details, ns }) => {
    warnings.push(...line.warnings);
    const entry: Omit<Entry, 'entryKey'> = { bookingDate: line.bookingDate, amount: line.amount, currency, creditDebit: line.creditDebit };
    if (line.valueDate !== undefined) entry.valueDate = line.valueDate;
    if (line.bankReference !== undefined) entry.bankReference = line.bankReference;
    if (rabobankLegacy && line.customerReference !== undefined) {
      // Rabobank's legacy layout puts the counter account and name where the reference would be.
      const m = /^(\S+)(?:\s+(.*))?$/.exec(line.customerReference);
      if (m?.[1] !== undefined && m[1].toUpperCase() !== 'NONREF') entry.counterpartyAccount = m[1];
      if (m?.[2] !== undefined && m[2].trim() !== '') entry.counterparty = m[2].trim();
    }
    if (details.counterparty !== undefined) entry.counterparty = details.counterparty;
    if (details.counterpartyAccount !== undefined) entry.counterpartyAccount = details.counterpartyAccount;
    const remittance = details.remittance ?? line.supplementary ?? ns ?? (rabobankLegacy ? undefined : line.customerReference);
    if (remittance !== undefined) entry.remittance = remittance;
    return { ...entry, entryKey: keyer.keyFor(entry) };
  });
  const repeated = keyer.repeatedReferenceWarning();
  if (repeated !== undefined) warnings.push(repeated);
  const [statementNumber, sequenceNumber] = (draft.number ?? '').split('/');
  const statement: Statement = { format: draft.interim ? 'mt942' : 'mt940', accountId, currency, entries, warnings };
  if (iban !== undefined) statement.iban = iban;
  if (draft.opening !== undefined) statement.openingBalance = draft.opening;
  if (draft.closing !== undefined) statement.closingBalance = draft.closing;
  const periodStart = draft.opening?.date;
  const periodEnd = draft.closing?.date ?? draft.periodEnd;
  if (periodStart !== undefined) statement.periodStart = periodStart;
  if (periodEnd !== undefined) statement.periodEnd = periodEnd;
  if (statementNumber !== undefined && statementNumber !== '') statement.statementNumber = statementNumber;
  if (sequenceNumber !== undefined && sequenceNumber !== '') statement.sequenceNumber = sequenceNumber;
  return statement;
}

/** `:25:` holds `account`, `BIC/account`, or (Rabobank, UniCredit) the account followed by its currency. */
function readAccount(raw: string, currency: string): { accountId: string; iban?: string } {
  const firstLine = raw.split('\n')[0]?.trim() ?? raw;
  const withoutCurrency = firstLine.replace(new RegExp(`(?:(?<=\\d)|[ /])${currency}$`), '').trim() || firstLine;
  const last = withoutCurrency.split('/').pop()?.replace(/\s+/g, '') ?? '';
  const iban = /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(last) ? last : undefined;
  return iban === undefined ? { accountId: withoutCurrency } : { accountId: withoutCurrency, iban };
}

function totalsOf(draft: Draft, statement: Statement): ControlTotal[] {
  return draft.totals.map((total) => {
    const side = statement.entries.filter((e) => e.creditDebit === total.side);
    return {
      name: `MT942 ${total.side} total (:90${total.side === 'debit' ? 'D' : 'C'}: on line ${total.at}) for account ${statement.accountId}`,
      statedAmount: total.amount,
      computedAmount: sumDecimals(side.map((e) => (e.amount.startsWith('-') ? e.amount.slice(1) : e.amount))),
      statedCount: total.count,
      computedCount: side.length,
      currency: total.currency,
    };
  });
}
