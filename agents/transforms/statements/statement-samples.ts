/**
 * Bank files written the way banks write them, generated for tests and the bench (never copied from
 * the shared fixtures). Entries are a pure function of their index, so a file can be produced as a
 * stream of any size and the same entry has the same content in every file that contains it.
 */
import { addDecimals, sumDecimals } from '../../formats/decimal.ts';

export interface SampleEntry {
  bookingDate: string;
  /** Positive decimal string. */
  amount: string;
  creditDebit: 'CRDT' | 'DBIT';
  reference: string;
  counterparty: string;
  remittance: string;
}

export interface CamtSampleOptions {
  iban: string;
  currency?: string;
  /** ElctrncSeqNb of the statement. */
  sequence: number;
  opening: string;
  /** Entry indexes (inclusive start, exclusive end): overlapping ranges make overlapping downloads. */
  from: number;
  to: number;
  /** Added to the computed closing balance: a non-zero value makes a statement that does not add up. */
  closingError?: string;
}

/** Entry number `i` of the sample account: two days per 100 entries from 2026-01-01. */
export function sampleEntry(i: number): SampleEntry {
  const day = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 50) * 86_400_000).toISOString().slice(0, 10);
  const cents = ((i * 7919) % 100_000) + 1;
  return {
    bookingDate: day,
    amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    creditDebit: i % 3 === 0 ? 'DBIT' : 'CRDT',
    reference: `REF${String(i).padStart(10, '0')}`,
    counterparty: `Customer ${i % 997} & Sons <GmbH>`,
    remittance: `Invoice ${100_000 + i} / order ${i * 13}`,
  };
}

export function signedAmount(entry: SampleEntry): string {
  return entry.creditDebit === 'DBIT' ? `-${entry.amount}` : entry.amount;
}

export function closingBalance(options: Pick<CamtSampleOptions, 'opening' | 'from' | 'to'>): string {
  const amounts: string[] = [];
  for (let i = options.from; i < options.to; i += 1) amounts.push(signedAmount(sampleEntry(i)));
  return addDecimals(options.opening, sumDecimals(amounts));
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function balanceXml(code: string, amount: string, currency: string, date: string): string {
  const negative = amount.startsWith('-');
  return (
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="${currency}">${negative ? amount.slice(1) : amount}</Amt>` +
    `<CdtDbtInd>${negative ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>\n`
  );
}

function entryXml(entry: SampleEntry, currency: string): string {
  const party = entry.creditDebit === 'CRDT' ? 'Dbtr' : 'Cdtr';
  return (
    `<Ntry><Amt Ccy="${currency}">${entry.amount}</Amt><CdtDbtInd>${entry.creditDebit}</CdtDbtInd><Sts>BOOK</Sts>` +
    `<BookgDt><Dt>${entry.bookingDate}</Dt></BookgDt><ValDt><Dt>${entry.bookingDate}</Dt></ValDt><AcctSvcrRef>${entry.reference}</AcctSvcrRef>` +
    `<BkTxCd/><NtryDtls><TxDtls><RltdPties><${party}><Nm>${escape(entry.counterparty)}</Nm></${party}></RltdPties>` +
    `<RmtInf><Ustrd>${escape(entry.remittance)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`
  );
}

/** A CAMT.053.001.08 statement, as pieces of text (write them to a stream for files of any size). */
export function* camtChunks(options: CamtSampleOptions): Generator<string> {
  const currency = options.currency ?? 'EUR';
  const first = sampleEntry(options.from).bookingDate;
  const last = sampleEntry(Math.max(options.from, options.to - 1)).bookingDate;
  const closing = addDecimals(closingBalance(options), options.closingError ?? '0');
  yield '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>\n';
  yield `<GrpHdr><MsgId>MSG-${options.sequence}</MsgId><CreDtTm>${last}T23:00:00+01:00</CreDtTm></GrpHdr>\n`;
  yield `<Stmt><Id>STMT-${options.sequence}</Id><ElctrncSeqNb>${options.sequence}</ElctrncSeqNb><CreDtTm>${last}T23:00:00+01:00</CreDtTm>`;
  yield `<FrToDt><FrDtTm>${first}T00:00:00+01:00</FrDtTm><ToDtTm>${last}T23:59:59+01:00</ToDtTm></FrToDt>\n`;
  yield `<Acct><Id><IBAN>${options.iban}</IBAN></Id><Ccy>${currency}</Ccy></Acct>\n`;
  yield balanceXml('OPBD', options.opening, currency, first);
  yield balanceXml('CLBD', closing, currency, last);
  let batch = '';
  for (let i = options.from; i < options.to; i += 1) {
    batch += entryXml(sampleEntry(i), currency);
    if (batch.length > 64 * 1024) {
      yield batch;
      batch = '';
    }
  }
  yield `${batch}</Stmt></BkToCstmrStmt></Document>\n`;
}

export function camtStatement(options: CamtSampleOptions): string {
  return [...camtChunks(options)].join('');
}

/**
 * The same entries as a bank's CSV export with a running balance (columns as in CSV_SAMPLE_PROFILE),
 * so the statement's opening and closing balances, and the balance check, come from the file.
 */
export function* csvChunks(options: { from: number; to: number; opening: string }): Generator<string> {
  yield 'Booking date,Value date,Amount,Currency,Reference,Counterparty,Remittance,Balance\n';
  let balance = options.opening;
  let batch = '';
  for (let i = options.from; i < options.to; i += 1) {
    const e = sampleEntry(i);
    balance = addDecimals(balance, signedAmount(e));
    batch += `${e.bookingDate},${e.bookingDate},${signedAmount(e)},EUR,${e.reference},"${e.counterparty.replace(/"/g, '""')}","${e.remittance}",${balance}\n`;
    if (batch.length > 64 * 1024) {
      yield batch;
      batch = '';
    }
  }
  yield batch;
}

/** The CSV profile (agents/formats/csv/profile.ts input) that reads csvChunks' columns. */
export const CSV_SAMPLE_PROFILE = {
  name: 'sample-bank-csv',
  delimiter: ',',
  dateFormat: 'YYYY-MM-DD',
  accountId: 'SAMPLE-ACCOUNT',
  headerSignature: ['Booking date', 'Amount', 'Balance'],
  columns: {
    bookingDate: 'Booking date',
    valueDate: 'Value date',
    amount: 'Amount',
    currency: 'Currency',
    reference: 'Reference',
    counterparty: 'Counterparty',
    remittance: ['Remittance'],
    balance: 'Balance',
  },
} as const;
