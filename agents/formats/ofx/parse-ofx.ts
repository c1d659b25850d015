import { compactDate } from '../dates.ts';
import { parseDecimal } from '../decimal.ts';
import { EntryKeyer } from '../entry-key.ts';
import { FormatError, type ParseContext } from '../format-error.ts';
import type { Entry, ParsedFile, Statement } from '../model.ts';
import { decodeText } from '../text-decode.ts';
import { child, childrenNamed, parseOfxBody, valueAt, type OfxNode } from './sgml.ts';

const CHARSETS: Record<string, string> = { '1252': 'windows-1252', 'ISO-8859-1': 'windows-1252', '8859-1': 'windows-1252', NONE: 'windows-1252' };

/**
 * OFX 1.x (SGML), OFX 2.x (XML) and QFX (OFX with Intuit's extra tags) → statements, one per bank or
 * credit card account in the file. OFX gives a closing (ledger) balance but no opening balance.
 */
export function parseOfx(input: Uint8Array | string, context: ParseContext): ParsedFile {
  const file = context.file;
  const warnings: string[] = [];
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    // Banks declare CHARSET:1252 and send UTF-8 (Banco do Brasil): UTF-8 that decodes cleanly wins.
    const head = new TextDecoder('latin1').decode(input.subarray(0, 1024));
    const charset = /CHARSET:\s*([A-Za-z0-9-]+)/.exec(head)?.[1]?.toUpperCase();
    const decoded = decodeText(input, { file, encoding: 'auto', fallback: charset === undefined ? 'windows-1252' : (CHARSETS[charset] ?? 'windows-1252') });
    text = decoded.text;
    if (decoded.warning !== undefined) warnings.push(decoded.warning);
  }
  const start = text.search(/<OFX>/i);
  if (start === -1) throw new FormatError({ file, line: 1 }, 'there is no <OFX> element', { expected: 'an OFX header and an <OFX> body' });
  const firstLine = countLines(text, start);
  const ofx = parseOfxBody(text, start, firstLine, file);

  const responses = [
    ...childrenNamed(child(ofx, 'BANKMSGSRSV1'), 'STMTTRNRS').map((r) => ({ r, rs: 'STMTRS', acct: 'BANKACCTFROM' })),
    ...childrenNamed(child(ofx, 'CREDITCARDMSGSRSV1'), 'CCSTMTTRNRS').map((r) => ({ r, rs: 'CCSTMTRS', acct: 'CCACCTFROM' })),
  ];
  const statements: Statement[] = [];
  for (const { r, rs, acct } of responses) {
    const stmt = child(r, rs);
    if (stmt === undefined) {
      const code = valueAt(r, 'STATUS', 'CODE');
      const message = valueAt(r, 'STATUS', 'MESSAGE');
      warnings.push(`A statement response (line ${r.line}) holds no statement: status ${code ?? '?'}${message === undefined ? '' : ` (${message})`}.`);
      continue;
    }
    statements.push(mapStatement(stmt, acct, file));
  }
  if (child(ofx, 'INVSTMTMSGSRSV1') !== undefined) warnings.push('The file also holds an investment statement; investment statements are not read.');
  if (statements.length === 0) {
    throw new FormatError({ file, line: ofx.line }, 'the file holds no bank or credit card statement', {
      expected: '<BANKMSGSRSV1><STMTTRNRS><STMTRS> or <CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS>',
    });
  }
  return { format: 'ofx', statements, warnings };
}

function mapStatement(stmt: OfxNode, accountTag: string, file: string): Statement {
  const warnings: string[] = [];
  const at = (node: OfxNode | undefined, field: string) => ({ file, line: node?.line ?? stmt.line, field });
  const accountId = valueAt(stmt, accountTag, 'ACCTID')?.trim();
  if (accountId === undefined || accountId === '') {
    throw new FormatError(at(child(stmt, accountTag), `${accountTag}/ACCTID`), 'the statement does not say which account it is for', {
      expected: 'an account number in ACCTID',
    });
  }
  const list = child(stmt, 'BANKTRANLIST');
  const transactions = childrenNamed(list, 'STMTTRN');
  let currency = valueAt(stmt, 'CURDEF')?.trim().toUpperCase() ?? '';
  if (!/^[A-Z]{3}$/.test(currency)) {
    const fromEntries = transactions.map((t) => transactionCurrency(t)).find((c) => c !== undefined);
    warnings.push(
      `Account ${accountId}: the statement's currency (CURDEF) is ${currency === '' ? 'empty' : `"${currency}"`}; ${fromEntries === undefined ? 'recorded as XXX (unknown)' : `taken from the transactions (${fromEntries})`}.`,
    );
    currency = fromEntries ?? 'XXX';
  }
  const keyer = new EntryKeyer(accountId);
  const entries = transactions.map((t) => mapTransaction(t, currency, keyer, file, warnings));
  const statement: Statement = { format: 'ofx', accountId, currency, entries, warnings };
  // Non-essential fields (period, balance, value dates) that cannot be read are warnings: the
  // transactions are still trustworthy. Only what makes an entry (amount, posting date) rejects.
  const lenient = (node: OfxNode | undefined, what: string): string | undefined => {
    try {
      return optionalDate(node, file);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      warnings.push(`${file}, line ${node?.line ?? stmt.line}, field ${node?.name ?? what}: the ${what} "${node?.value?.trim().slice(0, 30) ?? ''}" is not a date (YYYYMMDD); it was left out.`);
      return undefined;
    }
  };
  const periodStart = lenient(child(list, 'DTSTART'), 'period start');
  const periodEnd = lenient(child(list, 'DTEND'), 'period end');
  if (periodStart !== undefined) statement.periodStart = periodStart;
  if (periodEnd !== undefined) statement.periodEnd = periodEnd;

  const ledger = child(stmt, 'LEDGERBAL');
  const balance = valueAt(ledger, 'BALAMT')?.trim();
  if (ledger !== undefined && (balance === undefined || balance === '')) {
    warnings.push(`Account ${accountId}: the ledger balance (LEDGERBAL) is empty, so the statement has no closing balance.`);
  } else if (ledger !== undefined && balance !== undefined) {
    const amount = ofxAmount(balance);
    if (amount === undefined) {
      // Seen in Latin-American exports: "R$ 1.234,56", "1.234,56". Guessing could invent a balance
      // that then "passes" its check; the entries do not depend on it, so they are kept.
      const line = child(ledger, 'BALAMT')?.line ?? ledger.line;
      warnings.push(
        `${file}, line ${line}, field LEDGERBAL/BALAMT: the ledger balance "${balance.slice(0, 40)}" is not a number the agent can read exactly (expected a decimal such as -123.45); the transactions were read, the closing balance left out and the balance not checked.`,
      );
    } else {
      statement.closingBalance = { amount, currency, kind: 'LEDGERBAL' };
      const asOf = lenient(child(ledger, 'DTASOF'), 'balance date');
      if (asOf !== undefined) statement.closingBalance.date = asOf;
    }
  }
  const repeated = keyer.repeatedReferenceWarning();
  if (repeated !== undefined) warnings.push(repeated);
  return statement;
}

function mapTransaction(t: OfxNode, currency: string, keyer: EntryKeyer, file: string, warnings: string[]): Entry {
  const rawAmount = valueAt(t, 'TRNAMT')?.trim() ?? '';
  const amount = ofxAmount(rawAmount);
  if (amount === undefined) {
    throw new FormatError({ file, line: child(t, 'TRNAMT')?.line ?? t.line, field: 'STMTTRN/TRNAMT' }, rawAmount === '' ? 'the transaction has no amount' : `"${rawAmount}" is not an amount`, {
      expected: 'a signed decimal such as -16.85',
    });
  }
  const posted = child(t, 'DTPOSTED');
  const bookingDate = optionalDate(posted, file);
  if (bookingDate === undefined) {
    throw new FormatError({ file, line: t.line, field: 'STMTTRN/DTPOSTED' }, 'the transaction has no posting date', { expected: 'DTPOSTED as YYYYMMDD' });
  }
  const entry: Omit<Entry, 'entryKey'> = {
    bookingDate,
    amount,
    currency: transactionCurrency(t) ?? currency,
    creditDebit: amount.startsWith('-') ? 'debit' : 'credit',
  };
  const available = child(t, 'DTAVAIL');
  try {
    const valueDate = optionalDate(available, file);
    if (valueDate !== undefined) entry.valueDate = valueDate;
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    warnings.push(`${file}, line ${available?.line ?? t.line}, field STMTTRN/DTAVAIL: the value date "${available?.value?.trim().slice(0, 30) ?? ''}" is not a date (YYYYMMDD); it was left out.`);
  }
  const name = nonEmpty(valueAt(t, 'NAME') ?? valueAt(t, 'PAYEE', 'NAME'));
  const memo = nonEmpty(valueAt(t, 'MEMO'));
  const fitid = nonEmpty(valueAt(t, 'FITID'));
  const account = nonEmpty(valueAt(t, 'BANKACCTTO', 'ACCTID') ?? valueAt(t, 'CCACCTTO', 'ACCTID'));
  if (name !== undefined) entry.counterparty = name;
  if (memo !== undefined) entry.remittance = memo;
  if (fitid !== undefined) entry.bankReference = fitid;
  if (account !== undefined) entry.counterpartyAccount = account;
  return { ...entry, entryKey: keyer.keyFor(entry) };
}

/** `<CURRENCY>` means the amount is in CURSYM; `<ORIGCURRENCY>` means it was converted to CURDEF. */
function transactionCurrency(t: OfxNode): string | undefined {
  const symbol = valueAt(t, 'CURRENCY', 'CURSYM')?.trim().toUpperCase();
  return symbol !== undefined && /^[A-Z]{3}$/.test(symbol) ? symbol : undefined;
}

/** OFX amounts use a point; some European banks write a comma. */
function ofxAmount(raw: string): string | undefined {
  return parseDecimal(raw, { decimalSeparator: /^[+-]?\d*,\d+$/.test(raw) ? ',' : '.' });
}

/** `20090401122017.000[-5:EST]` → `2009-04-01` (the date as the bank wrote it); empty → undefined. */
function optionalDate(node: OfxNode | undefined, file: string): string | undefined {
  const raw = node?.value?.trim();
  if (raw === undefined || raw === '') return undefined;
  const date = /^\d{8}/.test(raw) ? compactDate(raw.slice(0, 8)) : undefined;
  if (date === undefined) {
    throw new FormatError({ file, line: node?.line ?? 1, field: node?.name }, `"${raw.slice(0, 30)}" is not a date`, { expected: 'YYYYMMDD[HHMMSS]' });
  }
  return date;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.replace(/\s+/g, ' ').trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function countLines(text: string, end: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}
