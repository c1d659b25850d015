import { negateDecimal } from '../decimal.ts';
import { FormatError } from '../format-error.ts';
import type { CreditDebit } from '../model.ts';
import { assign, checkedAmount, checkedDate, creditDebitOf, type EntryDraft, type EntryStatus, type Where } from './camt-map.ts';
import { stateOf, type CamtEntryReader } from './entry-reader.ts';

const S = {
  sts: stateOf('Sts'),
  stsCd: stateOf('Sts/Cd'),
  stsPrtry: stateOf('Sts/Prtry'),
  amt: stateOf('Amt'),
  cdtDbtInd: stateOf('CdtDbtInd'),
  valDt: stateOf('ValDt'),
  valDtDt: stateOf('ValDt/Dt'),
  valDtDtTm: stateOf('ValDt/DtTm'),
  bookgDt: stateOf('BookgDt'),
  bookgDtDt: stateOf('BookgDt/Dt'),
  bookgDtDtTm: stateOf('BookgDt/DtTm'),
  ref: stateOf('AcctSvcrRef'),
  addtlNtryInf: stateOf('AddtlNtryInf'),
  tx: stateOf('NtryDtls/TxDtls'),
  txRef: stateOf('NtryDtls/TxDtls/Refs/AcctSvcrRef'),
  ustrd: stateOf('NtryDtls/TxDtls/RmtInf/Ustrd'),
  strd: stateOf('NtryDtls/TxDtls/RmtInf/Strd'),
  strdRef: stateOf('NtryDtls/TxDtls/RmtInf/Strd/CdtrRefInf/Ref'),
  strdAddtl: stateOf('NtryDtls/TxDtls/RmtInf/Strd/AddtlRmtInf'),
  addtlTxInf: stateOf('NtryDtls/TxDtls/AddtlTxInf'),
};

function partyStates(party: 'Dbtr' | 'Cdtr'): number[] {
  const base = 'NtryDtls/TxDtls/RltdPties';
  return [`${party}/Nm`, `${party}/Pty/Nm`, `Ultmt${party}/Nm`, `Ultmt${party}/Pty/Nm`, `${party}Acct/Id/IBAN`, `${party}Acct/Id/Othr/Id`].map((p) => stateOf(`${base}/${p}`));
}
const PARTY = { Dbtr: partyStates('Dbtr'), Cdtr: partyStates('Cdtr') };

/**
 * mapEntry (camt-map.ts) for an entry read by CamtEntryReader: at most one transaction, no repeated
 * element on the paths read. Same checks, same errors in the same order, same drafts with their keys
 * in the same order (the records' JSON is built from them).
 */
export function mapEntryFields(r: CamtEntryReader, where: Where): { status: EntryStatus; drafts: EntryDraft[] } {
  const status = r.text(S.sts) ?? r.text(S.stsCd) ?? r.text(S.stsPrtry) ?? 'BOOK';
  const { amount, currency } = checkedAmount(r.text(S.amt), r.amountCurrency, { ...where, field: 'Ntry/Amt' });
  const creditDebit = creditDebitOf(r.text(S.cdtDbtInd), { ...where, field: 'Ntry/CdtDbtInd' });
  const valueDate = cachedDate(r.text(S.valDtDt) ?? r.text(S.valDtDtTm) ?? r.text(S.valDt), where, 'Ntry/ValDt');
  const bookingDate = cachedDate(r.text(S.bookgDtDt) ?? r.text(S.bookgDtDtTm) ?? r.text(S.bookgDt), where, 'Ntry/BookgDt') ?? valueDate;
  if (bookingDate === undefined) {
    throw new FormatError({ ...where, field: 'Ntry/BookgDt' }, 'the entry has no booking date', {
      expected: 'BookgDt/Dt or BookgDt/DtTm (YYYY-MM-DD)',
    });
  }
  const booked = status.toUpperCase() === 'BOOK';
  const entryRef = r.text(S.ref);
  const signed = creditDebit === 'debit' ? negate(amount) : amount;
  const draft: EntryDraft =
    valueDate === undefined ? { bookingDate, currency, amount: signed, creditDebit } : { bookingDate, currency, valueDate, amount: signed, creditDebit };
  const hasTransaction = r.has(S.tx);
  if (hasTransaction) describeTransaction(draft, r, creditDebit);
  if (draft.remittance === undefined) assign(draft, 'remittance', r.text(S.addtlNtryInf));
  assign(draft, 'bankReference', entryRef ?? (hasTransaction ? r.text(S.txRef) : undefined));
  return { status: booked ? 'booked' : 'not-booked', drafts: [draft] };
}

function describeTransaction(draft: EntryDraft, r: CamtEntryReader, side: CreditDebit): void {
  // The counterparty of money coming in is the debtor; of money going out, the creditor.
  const [nm, ptyNm, ultmtNm, ultmtPtyNm, iban, othrId] = side === 'credit' ? PARTY.Dbtr : PARTY.Cdtr;
  const name = r.text(nm ?? -1) ?? r.text(ptyNm ?? -1) ?? r.text(ultmtNm ?? -1) ?? r.text(ultmtPtyNm ?? -1);
  assign(draft, 'counterparty', name);
  assign(draft, 'counterpartyAccount', r.text(iban ?? -1) ?? r.text(othrId ?? -1));
  assign(draft, 'remittance', remittanceOf(r));
}

function remittanceOf(r: CamtEntryReader): string | undefined {
  const unstructured = r.all(S.ustrd).filter((t) => t !== '');
  if (unstructured.length > 0) return unstructured.join(' ');
  if (r.has(S.strd)) {
    const structured = [r.text(S.strdRef), ...r.all(S.strdAddtl).filter((t) => t !== '')].filter((t): t is string => t !== undefined);
    if (structured.length > 0) return structured.join(' ');
  }
  return r.text(S.addtlTxInf);
}

/**
 * `amount` comes from checkedAmount: canonical and unsigned. Its negation is a minus in front, except
 * for zero (negateDecimal's answer then); the same string negateDecimal gives, without its bigints.
 */
function negate(amount: string): string {
  return /[1-9]/.test(amount) ? `-${amount}` : negateDecimal(amount);
}

/** Consecutive entries mostly share their dates: the last date text and its reading are kept. */
let lastDateText: string | undefined;
let lastDate: string | undefined;

function cachedDate(raw: string | undefined, where: Where, field: string): string | undefined {
  if (raw === undefined) return undefined;
  if (raw === lastDateText) return lastDate;
  const date = checkedDate(raw, { ...where, field });
  lastDateText = raw;
  lastDate = date;
  return date;
}
