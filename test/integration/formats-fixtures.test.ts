/**
 * Real bank files no one here wrote (the external corpus's bank/, provenance in its SOURCES.md): every file is
 * read, or rejected with a FormatError that says where and why; where EXPECTED.csv states counts,
 * balances or currencies (taken from the source projects' own tests), ours equal them.
 * The files are read in place, never copied into the repository (licences).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareDecimals, isCanonicalDecimal, parseFile, subtractDecimals, sumDecimals, type ParseReport, type Statement } from '../../agents/formats/index.ts';
import { tokenizeCsv } from '../../agents/formats/csv/tokenizer.ts';
import { externalCorpusDir, hasExternalCorpus } from '../helpers/external-corpus.ts';

const fixtures = externalCorpusDir();
const bank = path.join(fixtures, 'bank');

/** Files we refuse, with the reason the message must give (MALFORMED in SOURCES.md, or failing upstream). */
const REJECTED: Record<string, RegExp> = {
  // ofxparse raises on it in strict mode (testDecimalConversionError).
  'ofx/ofxparse_fail_nice_decimal_error.ofx': /line 37, field STMTTRN\/TRNAMT: "\$120" is not an amount/,
  // genkgo testWrongDocument: decoding must fail, there is no Stmt.
  'camt/genkgo-camt_camt053.v2.wrong.xml': /the camt\.053 message holds no statement; expected at least one <Stmt>/,
  // A second :25: inside one statement: wolph/mt940 reads it leniently, we refuse to guess which account it is.
  'mt940/wolph-mt940_betterplace_sepa_snippet_broken.sta': /line 6, field :25:: the account appears a second time in the statement that began on line 1/,
  // moov-io/bai2 cmd_test: parse must fail.
  'bai2/moov-bai2_errors_sample-parseError.txt': /line 1, field record code: "00,0004,1\/2\/345,06\/0" does not start with a BAI2 record code/,
};

/** MALFORMED files we read, as their source project does with fail_fast off, and the warning that must say what is wrong. */
const READ_WITH_WARNING: Record<string, RegExp> = {
  'ofx/ofxparse_fail_nice_empty_balance.ofx': /the ledger balance \(LEDGERBAL\) is empty, so the statement has no closing balance/,
};

/**
 * EXPECTED.csv's row for the Volksbank file says "statement 1: opening 3085 EUR (2020-02-19), 1 txn (+80)",
 * but the upstream test (jejik-mt940 VolksbankenRaiffeisenbankenTest) takes the opening balance from
 * statements[0] (testBalance) and the one +80 transaction from statements[1] (testTransaction, 0-based):
 * statements[0] holds two :61: lines (+65, +80). We compare each value with the statement upstream used.
 */
const TRANSACTIONS_FROM_STATEMENT: Record<string, number> = { 'mt940/jejik-mt940_volksbankenraiffeisenbanken.txt': 1 };

interface ExpectedRow {
  file: string;
  format: string;
  transactions: string;
  opening_balance: string;
  closing_balance: string;
  currency: string;
  source_of_expectation: string;
}

function listFixtures(): string[] {
  return readdirSync(bank, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(bank, d.name)).map((f) => `${d.name}/${f}`))
    .sort();
}

function readExpected(): ExpectedRow[] {
  const rows = tokenizeCsv(readFileSync(path.join(bank, 'EXPECTED.csv'), 'utf8'), { delimiter: ',', file: 'EXPECTED.csv' }).filter((r) => r.cells.length > 1);
  const [header, ...data] = rows;
  if (header === undefined) throw new Error('EXPECTED.csv has no header');
  for (const column of ['file', 'transactions', 'opening_balance', 'closing_balance', 'currency', 'source_of_expectation']) {
    expect(header.cells, `EXPECTED.csv must have a "${column}" column`).toContain(column);
  }
  return data.map((r) => Object.fromEntries(header.cells.map((name, i) => [name, (r.cells[i] ?? '').trim()])) as unknown as ExpectedRow);
}

function malformedInSources(): string[] {
  return readFileSync(path.join(fixtures, 'SOURCES.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| ') && line.includes('MALFORMED'))
    .map((line) => line.split('|')[1]?.trim() ?? '');
}

const reports = new Map<string, ParseReport>();

beforeAll(async () => {
  expect(existsSync(bank), `the shared fixtures must be at ${bank}`).toBe(true);
  for (const file of listFixtures()) reports.set(file, await parseFile(path.join(bank, file)));
});

function report(file: string): ParseReport {
  const found = reports.get(file);
  if (found === undefined) throw new Error(`no report for ${file}`);
  return found;
}

describe.skipIf(!hasExternalCorpus())('shared bank fixtures', () => {
  it('EXPECTED.csv names exactly the fixture files', () => {
    expect(readExpected().map((r) => r.file).sort()).toEqual(listFixtures());
    expect(listFixtures().length).toBeGreaterThanOrEqual(43);
  });

  it('every file marked MALFORMED in SOURCES.md is rejected, or read with a warning saying what is wrong', () => {
    const malformed = malformedInSources();
    expect(malformed.length).toBeGreaterThan(0);
    for (const file of malformed) expect(Object.keys(REJECTED).concat(Object.keys(READ_WITH_WARNING)), file).toContain(file);
  });

  it('rejected files get a FormatError naming the file, the line and the reason', () => {
    for (const [file, reason] of Object.entries(REJECTED)) {
      const r = report(file);
      expect(r.error?.code, file).toBe('format_error');
      expect(r.error?.message, file).toMatch(reason);
      expect(r.error?.message, file).toContain(path.basename(file));
      expect(r.error?.line ?? r.error?.offset, file).toBeTypeOf('number');
      expect(r.accepted).toBe(false);
      expect(r.statements).toEqual([]);
    }
    for (const [file, warning] of Object.entries(READ_WITH_WARNING)) {
      expect(report(file).error, file).toBeUndefined();
      expect(report(file).warnings.join('\n'), file).toMatch(warning);
    }
  });

  it('every other file is read into well-formed statements', () => {
    const read = listFixtures().filter((f) => REJECTED[f] === undefined);
    expect(read.length).toBe(listFixtures().length - Object.keys(REJECTED).length);
    for (const file of read) {
      const r = report(file);
      expect(r.error, `${file}: ${r.error?.message ?? ''}`).toBeUndefined();
      expect(r.sha256, file).toMatch(/^[0-9a-f]{64}$/);
      expect(r.statements.length, file).toBeGreaterThan(0);
      for (const s of r.statements) expectWellFormed(s, file);
    }
  });

  describe('values stated by EXPECTED.csv', () => {
    const rows = existsSync(path.join(bank, 'EXPECTED.csv')) ? readExpected() : [];
    const stated = rows.filter((r) => r.transactions !== '' || r.opening_balance !== '' || r.closing_balance !== '' || r.currency !== '');
    it('has rows with stated values', () => expect(stated.length).toBeGreaterThan(15));

    for (const row of stated) {
      it(`${row.file}: ${[row.transactions && `${row.transactions} transactions`, row.opening_balance && `opening ${row.opening_balance}`, row.closing_balance && `closing ${row.closing_balance}`, row.currency].filter(Boolean).join(', ')}`, () => {
        const r = report(row.file);
        if (REJECTED[row.file] !== undefined) {
          // We refuse this file (see REJECTED); its source project read it leniently.
          expect(r.error?.message).toMatch(REJECTED[row.file] ?? /./);
          return;
        }
        compareWithExpected(row, r.statements);
      });
    }
  });

  describe('details the source projects assert', () => {
    it('OCA zip: each of the two CAMT files in the archive has lines 1, 2, 3', () => {
      const r = report('camt/oca-bsi_test-camt053.zip');
      expect(r.format).toBe('camt.053');
      expect(r.statements.map((s) => s.entries.length)).toEqual([3, 3]);
    });

    it('genkgo camt054: one entry of -200000.00 SEK', () => {
      for (const file of ['camt/genkgo-camt_camt054.v2.xml', 'camt/genkgo-camt_camt054.v4.xml']) {
        const entries = report(file).statements.flatMap((s) => s.entries);
        expect(entries).toHaveLength(1);
        expect(compareDecimals(entries[0]?.amount ?? '0', '-200000.00'), file).toBe(0);
        expect(entries[0]?.currency).toBe('SEK');
      }
    });

    it('genkgo camt053: OPBD 18.15 EUR and CLBD -27.00 SEK, so the balance check must fail', () => {
      const [s] = report('camt/genkgo-camt_camt053.v8.xml').statements;
      expect(s?.openingBalance).toMatchObject({ amount: '18.15', currency: 'EUR' });
      expect(s?.closingBalance).toMatchObject({ amount: '-27.00', currency: 'SEK' });
      expect(report('camt/genkgo-camt_camt053.v8.xml').accepted).toBe(false);
    });

    it('jejik ING: first transaction -25.03; HSBC: first transaction a debit of 20000', () => {
      expect(report('mt940/jejik-mt940_ing-dos.txt').statements[0]?.entries[0]?.amount).toBe('-25.03');
      expect(report('mt940/php-mt940_Hsbc_sample').statements[0]?.entries[0]).toMatchObject({ amount: '-20000.00', creditDebit: 'debit' });
    });

    it('jejik Volksbank: 8 statements, account 66642399/93387, transaction +80 with counterparty IBAN', () => {
      const r = report('mt940/jejik-mt940_volksbankenraiffeisenbanken.txt');
      expect(r.statements).toHaveLength(8);
      expect(r.statements[0]?.accountId).toBe('66642399/93387');
      expect(r.statements[1]?.entries[0]).toMatchObject({ amount: '80.00', counterpartyAccount: 'DE83500105179219844142', counterparty: 'Antonio Sueto' });
    });

    it('bankstatementparser European decimals: -1234.56, 3500.00, -4.50', () => {
      expect(report('csv/bankstatementparser_csv_european_decimals.csv').statements.flatMap((s) => s.entries.map((e) => e.amount))).toEqual(['-1234.56', '3500.00', '-4.50']);
    });

    it('ofxparse: Suncorp has one transaction of -16.85, ANZ credit card account 1234123412341234; asgrim: three bank accounts', () => {
      expect(report('ofx/ofxparse_suncorp.ofx').statements[0]?.entries.map((e) => e.amount)).toEqual(['-16.85']);
      expect(report('ofx/ofxparse_anzcc.ofx').statements[0]?.accountId).toBe('1234123412341234');
      expect(report('ofx/asgrim-ofxparser_ofx-multiple-accounts-xml.ofx').statements).toHaveLength(3);
    });

    it('ofxparse empty tags: no currency definition, said in a warning', () => {
      expect(report('ofx/ofxparse_ofx-v102-empty-tags.ofx').warnings.join()).toMatch(/currency \(CURDEF\) is empty/);
    });

    it('BAI2 files the source projects validate pass their trailer checks', () => {
      for (const file of ['bai2/moov-bai2_sample1.txt', 'bai2/moov-bai2_sample3.txt', 'bai2/moj-bai2_citi_example.bai2']) {
        const trailers = report(file).checks.filter((c) => c.name.startsWith('BAI2'));
        expect(trailers.length, file).toBeGreaterThan(0);
        expect(trailers.filter((c) => c.status !== 'passed'), file).toEqual([]);
      }
    });
  });
});

function expectWellFormed(s: Statement, file: string): void {
  expect(s.accountId, file).not.toBe('');
  expect(s.currency, file).toMatch(/^[A-Z]{3}$/);
  const keys = new Set<string>();
  for (const e of s.entries) {
    expect(e.bookingDate, file).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(isCanonicalDecimal(e.amount), `${file}: ${e.amount}`).toBe(true);
    if (compareDecimals(e.amount, '0') !== 0) expect(e.creditDebit, `${file}: sign of ${e.amount}`).toBe(e.amount.startsWith('-') ? 'debit' : 'credit');
    expect(e.entryKey, file).not.toBe('');
    keys.add(e.entryKey);
  }
  expect(keys.size, `${file}: entry keys are unique in a statement`).toBe(s.entries.length);
}

function compareWithExpected(row: ExpectedRow, statements: Statement[]): void {
  const how = row.source_of_expectation;
  const total = statements.reduce((n, s) => n + s.entries.length, 0);
  let balances: { opening?: Statement; closing?: Statement };
  let transactions = total;
  if (/last :60F:\/:62F:/.test(how)) {
    // wolph/mt940's final_opening_balance / final_closing_balance: the last :60F: and :62F: seen.
    balances = {
      opening: statements.filter((s) => s.openingBalance?.kind === '60F').pop(),
      closing: statements.filter((s) => s.closingBalance?.kind === '62F').pop(),
    };
  } else if (/values given for ([A-Z]{3}) statement/.test(how)) {
    const currency = /values given for ([A-Z]{3}) statement/.exec(how)?.[1];
    const s = statements.find((x) => x.currency === currency);
    balances = { opening: s, closing: s };
  } else if (/values are for statement 1 only/.test(how)) {
    balances = { opening: statements[0], closing: statements[0] };
    transactions = statements[TRANSACTIONS_FROM_STATEMENT[row.file] ?? 0]?.entries.length ?? -1;
  } else {
    expect(statements.length, `${row.file}: which statement do the values belong to?`).toBe(1);
    balances = { opening: statements[0], closing: statements[0] };
  }

  if (row.transactions !== '') expect(transactions, `${row.file} transactions`).toBe(Number(row.transactions));
  if (row.currency !== '') {
    // ISO 4217 codes are case-insensitive; EXPECTED copies Stripe's lower-case "cad", we report "CAD".
    expect(statements.map((s) => s.currency)).toContain(row.currency.toUpperCase());
    expect(balances.opening?.currency ?? statements[0]?.currency, `${row.file} currency`).toBe(row.currency.toUpperCase());
  }
  if (/plugin sums lines/.test(how)) {
    // The file has no balance columns: the source plugin starts at 0 and adds the lines, so what it
    // states is that the lines add up to closing - opening.
    const sum = sumDecimals(statements.flatMap((s) => s.entries.map((e) => e.amount)));
    expect(compareDecimals(subtractDecimals(row.closing_balance, row.opening_balance), sum), `${row.file}: lines add up to ${sum}`).toBe(0);
    return;
  }
  if (row.opening_balance !== '') {
    const amount = balances.opening?.openingBalance?.amount;
    expect(amount, `${row.file} opening balance`).toBeDefined();
    expect(compareDecimals(amount ?? '0', row.opening_balance), `${row.file}: opening ${amount ?? ''} vs ${row.opening_balance}`).toBe(0);
  }
  if (row.closing_balance !== '') {
    const amount = balances.closing?.closingBalance?.amount;
    expect(amount, `${row.file} closing balance`).toBeDefined();
    expect(compareDecimals(amount ?? '0', row.closing_balance), `${row.file}: closing ${amount ?? ''} vs ${row.closing_balance}`).toBe(0);
  }
  if (/fail_fast=False gives 1 txn and NO balance/.test(how)) expect(balances.closing?.closingBalance, row.file).toBeUndefined();
}
