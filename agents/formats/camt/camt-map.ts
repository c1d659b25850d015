import { compactDate } from '../dates.ts';
import { negateDecimal, parseDecimal, sumDecimals, compareDecimals } from '../decimal.ts';
import { FormatError } from '../format-error.ts';
import type { CreditDebit, Money } from '../model.ts';
import { attribute, child, children, text, type XmlNode } from './xml-node.ts';
import type { CamtMessageType } from './camt-scanner.ts';

export interface CamtStatementHeader {
  id?: string;
  accountId: string;
  iban?: string;
  accountCurrency?: string;
  periodStart?: string;
  periodEnd?: string;
  openingBalance?: Money;
  closingBalance?: Money;
  statementNumber?: string;
  sequenceNumber?: string;
}

/** An entry before its dedupe key is known. */
export interface EntryDraft {
  bookingDate: string;
  valueDate?: string;
  amount: string;
  currency: string;
  creditDebit: CreditDebit;
  counterparty?: string;
  counterpartyAccount?: string;
  bankReference?: string;
  remittance?: string;
}

export interface Where {
  file: string;
  line: number;
}

const OPENING_CODES = ['OPBD', 'PRCD'];

export function mapStatementHeader(root: Record<string, XmlNode>, type: CamtMessageType, where: Where): CamtStatementHeader {
  const name = type === 'camt.052' ? 'Rpt' : type === 'camt.053' ? 'Stmt' : 'Ntfctn';
  const stmt = root[name];
  if (stmt === undefined || typeof stmt === 'string' || Array.isArray(stmt)) {
    throw new FormatError({ ...where, field: name }, `the <${name}> element is empty`, { expected: 'Id, Acct and balances' });
  }
  const iban = text(stmt, 'Acct', 'Id', 'IBAN');
  const accountId = iban ?? text(stmt, 'Acct', 'Id', 'Othr', 'Id');
  if (accountId === undefined) {
    throw new FormatError({ ...where, field: `${name}/Acct/Id` }, 'the statement does not say which account it is for', {
      expected: 'Acct/Id/IBAN or Acct/Id/Othr/Id',
    });
  }
  const header: CamtStatementHeader = { accountId };
  assign(header, 'id', text(stmt, 'Id'));
  assign(header, 'iban', iban);
  const accountCurrency = text(stmt, 'Acct', 'Ccy')?.toUpperCase();
  if (accountCurrency !== undefined && !/^[A-Z]{3}$/.test(accountCurrency)) {
    throw new FormatError({ ...where, field: `${name}/Acct/Ccy` }, `"${accountCurrency.slice(0, 20)}" is not a currency code`, { expected: 'an ISO 4217 code such as EUR' });
  }
  assign(header, 'accountCurrency', accountCurrency);
  assign(header, 'periodStart', dateOf(child(stmt, 'FrToDt', 'FrDtTm'), { ...where, field: `${name}/FrToDt/FrDtTm` }));
  assign(header, 'periodEnd', dateOf(child(stmt, 'FrToDt', 'ToDtTm'), { ...where, field: `${name}/FrToDt/ToDtTm` }));
  const electronic = text(stmt, 'ElctrncSeqNb');
  assign(header, 'statementNumber', text(stmt, 'LglSeqNb') ?? electronic);
  assign(header, 'sequenceNumber', electronic);

  const balances = children(stmt, 'Bal').map((bal) => mapBalance(bal, where));
  const byCode = (codes: string[]) => {
    for (const code of codes) {
      const found = balances.filter((b) => b.kind === code);
      if (found.length > 0) return found[found.length - 1];
    }
    return undefined;
  };
  assign(header, 'openingBalance', byCode(OPENING_CODES));
  // An account report (052) sent during the day carries an interim booked balance instead of a closing one.
  assign(header, 'closingBalance', byCode(type === 'camt.052' ? ['CLBD', 'ITBD'] : ['CLBD']));
  return header;
}

function mapBalance(bal: XmlNode, where: Where): Money {
  const code = text(bal, 'Tp', 'CdOrPrtry', 'Cd') ?? text(bal, 'Tp', 'CdOrPrtry', 'Prtry');
  if (code === undefined) {
    throw new FormatError({ ...where, field: 'Bal/Tp' }, 'a balance has no type', { expected: 'Tp/CdOrPrtry/Cd such as OPBD or CLBD' });
  }
  const { amount, currency } = amountOf(child(bal, 'Amt'), { ...where, field: `Bal(${code})/Amt` });
  const sign = creditDebitOf(text(bal, 'CdtDbtInd'), { ...where, field: `Bal(${code})/CdtDbtInd` });
  const money: Money = { amount: sign === 'debit' ? negateDecimal(amount) : amount, currency, kind: code.toUpperCase() };
  assign(money, 'date', dateOf(child(bal, 'Dt'), { ...where, field: `Bal(${code})/Dt` }));
  return money;
}

/** An unsigned decimal without leading zeros or blanks: parseDecimal returns it as it is. */
const CANONICAL_UNSIGNED = /^(?:0|[1-9]\d{0,30})(?:\.\d{1,30})?$/;

export type EntryStatus = 'booked' | 'not-booked';

/**
 * One Ntry → one or more entries. A batch booking (one Ntry, several TxDtls) is split into one
 * entry per transaction when every transaction carries its own amount in the entry's currency and
 * they add up exactly to the entry: each can then be reconciled on its own, and the statement still
 * adds up. Otherwise the Ntry stays one entry, as booked.
 */
export function mapEntry(root: Record<string, XmlNode>, where: Where): { status: EntryStatus; drafts: EntryDraft[] } {
  const ntry = root['Ntry'];
  if (ntry === undefined || typeof ntry === 'string' || Array.isArray(ntry)) {
    throw new FormatError({ ...where, field: 'Ntry' }, 'an entry is empty', { expected: 'Amt, CdtDbtInd and BookgDt' });
  }
  const status = text(ntry, 'Sts') ?? text(ntry, 'Sts', 'Cd') ?? text(ntry, 'Sts', 'Prtry') ?? 'BOOK';
  const { amount, currency } = amountOf(child(ntry, 'Amt'), { ...where, field: 'Ntry/Amt' });
  const creditDebit = creditDebitOf(text(ntry, 'CdtDbtInd'), { ...where, field: 'Ntry/CdtDbtInd' });
  const valueDate = dateOf(child(ntry, 'ValDt'), { ...where, field: 'Ntry/ValDt' });
  const bookingDate = dateOf(child(ntry, 'BookgDt'), { ...where, field: 'Ntry/BookgDt' }) ?? valueDate;
  if (bookingDate === undefined) {
    throw new FormatError({ ...where, field: 'Ntry/BookgDt' }, 'the entry has no booking date', {
      expected: 'BookgDt/Dt or BookgDt/DtTm (YYYY-MM-DD)',
    });
  }
  const booked = status.toUpperCase() === 'BOOK';
  const entryRef = text(ntry, 'AcctSvcrRef');
  const details = children(ntry, 'NtryDtls').flatMap((d) => children(d, 'TxDtls'));
  const base = { bookingDate, currency, ...(valueDate === undefined ? {} : { valueDate }) };
  const signed = creditDebit === 'debit' ? negateDecimal(amount) : amount;

  const parts = details.length > 1 ? splitAmounts(details, currency, creditDebit, signed) : undefined;
  if (parts !== undefined) {
    const drafts = details.map((tx, i) => {
      const part = parts[i] ?? { signed, creditDebit };
      const draft: EntryDraft = { ...base, amount: part.signed, creditDebit: part.creditDebit };
      describeTransaction(draft, tx, part.creditDebit);
      const ref = text(tx, 'Refs', 'AcctSvcrRef') ?? (entryRef === undefined ? undefined : `${entryRef}/${i + 1}`);
      assign(draft, 'bankReference', ref);
      return draft;
    });
    return { status: booked ? 'booked' : 'not-booked', drafts };
  }

  const draft: EntryDraft = { ...base, amount: signed, creditDebit };
  const only = details.length === 1 ? details[0] : undefined;
  if (only !== undefined) describeTransaction(draft, only, creditDebit);
  else if (details.length > 1) {
    const texts = details.map((tx) => remittanceOf(tx)).filter((t): t is string => t !== undefined);
    assign(draft, 'remittance', texts.length > 0 ? texts.join(' | ') : undefined);
  }
  const additional = text(ntry, 'AddtlNtryInf');
  if (draft.remittance === undefined) assign(draft, 'remittance', additional);
  assign(draft, 'bankReference', entryRef ?? (only === undefined ? undefined : text(only, 'Refs', 'AcctSvcrRef')));
  return { status: booked ? 'booked' : 'not-booked', drafts: [draft] };
}

function splitAmounts(
  details: XmlNode[],
  currency: string,
  entrySide: CreditDebit,
  entrySigned: string,
): { signed: string; creditDebit: CreditDebit }[] | undefined {
  const parts: { signed: string; creditDebit: CreditDebit }[] = [];
  for (const tx of details) {
    const amt = child(tx, 'Amt') ?? child(tx, 'AmtDtls', 'TxAmt', 'Amt');
    const value = text(amt);
    if (value === undefined || attribute(amt, 'Ccy')?.toUpperCase() !== currency) return undefined;
    const parsed = parseDecimal(value);
    if (parsed === undefined || parsed.startsWith('-')) return undefined;
    const indicator = text(tx, 'CdtDbtInd');
    const side: CreditDebit = indicator === 'CRDT' ? 'credit' : indicator === 'DBIT' ? 'debit' : entrySide;
    parts.push({ signed: side === 'debit' ? negateDecimal(parsed) : parsed, creditDebit: side });
  }
  return compareDecimals(sumDecimals(parts.map((p) => p.signed)), entrySigned) === 0 ? parts : undefined;
}

function describeTransaction(draft: EntryDraft, tx: XmlNode, side: CreditDebit): void {
  // The counterparty of money coming in is the debtor; of money going out, the creditor.
  const party = side === 'credit' ? 'Dbtr' : 'Cdtr';
  const name =
    text(tx, 'RltdPties', party, 'Nm') ??
    text(tx, 'RltdPties', party, 'Pty', 'Nm') ??
    text(tx, 'RltdPties', `Ultmt${party}`, 'Nm') ??
    text(tx, 'RltdPties', `Ultmt${party}`, 'Pty', 'Nm');
  const account = text(tx, 'RltdPties', `${party}Acct`, 'Id', 'IBAN') ?? text(tx, 'RltdPties', `${party}Acct`, 'Id', 'Othr', 'Id');
  assign(draft, 'counterparty', name);
  assign(draft, 'counterpartyAccount', account);
  assign(draft, 'remittance', remittanceOf(tx));
}

function remittanceOf(tx: XmlNode): string | undefined {
  const unstructured = children(tx, 'RmtInf', 'Ustrd')
    .map((u) => text(u))
    .filter((t): t is string => t !== undefined);
  if (unstructured.length > 0) return unstructured.join(' ');
  const structured = children(tx, 'RmtInf', 'Strd').flatMap((s) =>
    [text(s, 'CdtrRefInf', 'Ref'), ...children(s, 'AddtlRmtInf').map((a) => text(a))].filter((t): t is string => t !== undefined),
  );
  if (structured.length > 0) return structured.join(' ');
  return text(tx, 'AddtlTxInf');
}

function amountOf(node: XmlNode | undefined, where: Where & { field: string }): { amount: string; currency: string } {
  return checkedAmount(text(node), attribute(node, 'Ccy'), where);
}

/** An `<Amt Ccy="…">` read as text: its trimmed text (undefined when empty) and its Ccy attribute. */
export function checkedAmount(value: string | undefined, ccy: string | undefined, where: Where & { field: string }): { amount: string; currency: string } {
  const currency = ccy?.toUpperCase();
  if (value === undefined) throw new FormatError(where, 'the amount is missing', { expected: 'an amount such as 1234.50' });
  if (currency === undefined || !/^[A-Z]{3}$/.test(currency)) {
    throw new FormatError(where, `the amount ${value} has no currency`, { expected: 'a Ccy="EUR"-style attribute' });
  }
  // Most amounts are already canonical (what parseDecimal would return unchanged); it is the slow part of an entry.
  const amount = CANONICAL_UNSIGNED.test(value) ? value : parseDecimal(value);
  if (amount === undefined || amount.startsWith('-') || value.startsWith('+')) {
    throw new FormatError(where, `"${value}" is not an amount`, { expected: 'an unsigned decimal with a dot, such as 1234.50' });
  }
  return { amount, currency };
}

export function creditDebitOf(value: string | undefined, where: Where & { field: string }): CreditDebit {
  if (value === 'CRDT') return 'credit';
  if (value === 'DBIT') return 'debit';
  throw new FormatError(where, value === undefined ? 'the credit/debit indicator is missing' : `"${value}" is not a credit/debit indicator`, {
    expected: 'CRDT or DBIT',
  });
}

/**
 * `<Dt>2014-12-31</Dt>` or `<DtTm>2014-12-31T13:15:00+01:00</DtTm>` → the date as the bank wrote it
 * (its local date, not converted to UTC). Absent → undefined; present but not a date → FormatError.
 */
function dateOf(node: XmlNode | undefined, where: Where & { field: string }): string | undefined {
  if (node === undefined) return undefined;
  return checkedDate(text(node, 'Dt') ?? text(node, 'DtTm') ?? text(node), where);
}

/** The date text found in a date element (Dt, else DtTm, else its own text) → YYYYMMDD-style compact date. */
export function checkedDate(raw: string | undefined, where: Where & { field: string }): string | undefined {
  if (raw === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}/.test(raw) ? compactDate(raw.slice(0, 10)) : undefined;
  if (date === undefined) throw new FormatError(where, `"${raw.slice(0, 40)}" is not a date`, { expected: 'YYYY-MM-DD' });
  return date;
}

export function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
