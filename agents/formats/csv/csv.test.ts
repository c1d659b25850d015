import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBalance } from '../checks.ts';
import { FormatError } from '../format-error.ts';
import { BUILTIN_CSV_PROFILES } from './builtin-profiles.ts';
import { dateReader } from './date-format.ts';
import { CsvStreamParser, detectCsvProfile, guessDelimiter, parseCsv } from './parse-csv.ts';
import { CsvProfileSchema, type CsvProfileInput } from './profile.ts';
import { CsvTokenizer, tokenizeCsv } from './tokenizer.ts';

const file = 'export.csv';

function profile(overrides: Partial<CsvProfileInput> = {}) {
  return CsvProfileSchema.parse({
    name: 'test',
    delimiter: ';',
    decimalSeparator: ',',
    thousandsSeparator: '.',
    dateFormat: 'DD.MM.YYYY',
    headerSignature: ['Datum', 'Betrag'],
    currency: 'EUR',
    accountId: 'ACC-1',
    columns: { bookingDate: 'Datum', amount: 'Betrag', remittance: ['Text'], reference: 'Ref', balance: 'Saldo' },
    ...overrides,
  });
}

const simple = 'Datum;Text;Betrag;Saldo;Ref\n01.02.2024;Miete;-1.234,56;765,44;R1\n02.02.2024;"Gehalt; Februar";3.000,00;3.765,44;R2\n';

describe('CSV tokenizer', () => {
  it('reads quotes, doubled quotes, delimiters and line breaks inside quotes', () => {
    const rows = tokenizeCsv('a,"b,c","say ""hi""","two\nlines"\r\nx,y', { delimiter: ',', file });
    expect(rows.map((r) => [r.cells, r.line])).toEqual([
      [['a', 'b,c', 'say "hi"', 'two\nlines'], 1],
      [['x', 'y'], 3],
    ]);
  });

  it('reads CR, LF and CRLF line ends, also when a CRLF is split between two pieces', () => {
    const text = 'a;b\rc;d\ne;f\r\ng;h';
    const whole = tokenizeCsv(text, { delimiter: ';', file }).filter((r) => r.cells.length > 0);
    for (let cut = 0; cut <= text.length; cut += 1) {
      const t = new CsvTokenizer({ delimiter: ';', file });
      const rows = [...t.push(text.slice(0, cut)), ...t.push(text.slice(cut)), ...t.end()].filter((r) => r.cells.length > 0);
      expect(rows).toEqual(whole);
    }
    expect(whole.map((r) => r.line)).toEqual([1, 2, 3, 4]);
  });

  it('reads back any table it is given, however the text is cut (property)', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ';', '"', '\n', '\r', 'é', '1', ','), maxLength: 8 });
    const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(60), { maxLength: 6 }), (rows, eol, cuts) => {
        // Every cell quoted, quotes doubled: the table must come back exactly.
        const text = rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(';')).join(eol) + eol;
        const t = new CsvTokenizer({ delimiter: ';', file });
        const pieces: string[] = [];
        let last = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          pieces.push(text.slice(last, Math.max(last, cut)));
          last = Math.max(last, cut);
        }
        pieces.push(text.slice(last));
        const out = [...pieces.flatMap((p) => t.push(p)), ...t.end()].filter((r) => r.cells.length > 0).map((r) => r.cells);
        expect(out).toEqual(rows);
      }),
      { seed: 940, numRuns: 400 },
    );
  });

  it('refuses a quote that is never closed, naming its line', () => {
    expect(() => tokenizeCsv('a;b\n"c;d\ne;f', { delimiter: ';', file })).toThrow(/export.csv, line 2: a quoted cell is never closed/);
  });

  it('guesses the delimiter', () => {
    expect(guessDelimiter('a;b;c\n1;2,5;3\n')).toBe(';');
    expect(guessDelimiter('a\tb\n1\t2\n')).toBe('\t');
  });
});

describe('dates as profiles write them', () => {
  it('reads the common layouts and refuses impossible dates', () => {
    expect(dateReader('DD.MM.YYYY')('31.01.2024')).toBe('2024-01-31');
    expect(dateReader('M/D/YY')('6/12/15')).toBe('2015-06-12');
    expect(dateReader('YYYY-MM-DD')('2021-02-03 13:12')).toBe('2021-02-03');
    expect(dateReader('DD/MM/YYYY')('31/02/2024')).toBeUndefined();
    expect(dateReader('DD.MM.YYYY')('2024-01-31')).toBeUndefined();
  });
});

describe('CSV parser', () => {
  it('reads amounts with decimal comma and thousands dots, quoted text and references', () => {
    const parsed = parseCsv(Buffer.from(simple), { file, profile: profile() });
    const [s] = parsed.statements;
    expect(s?.entries.map((e) => [e.bookingDate, e.amount, e.remittance, e.entryKey])).toEqual([
      ['2024-02-01', '-1234.56', 'Miete', 'ref:ACC-1:R1'],
      ['2024-02-02', '3000.00', 'Gehalt; Februar', 'ref:ACC-1:R2'],
    ]);
    expect(s?.openingBalance).toMatchObject({ amount: '2000.00', kind: 'csv-running-balance', date: '2024-02-01' });
    expect(s?.closingBalance).toMatchObject({ amount: '3765.44' });
    expect(checkBalance(s!).status).toBe('passed');
  });

  it('reads a running balance in newest-first order, and says when rows are in no order', () => {
    const newestFirst = 'Datum;Text;Betrag;Saldo;Ref\n02.02.2024;b;3.000,00;3.765,44;R2\n01.02.2024;a;-1.234,56;765,44;R1\n';
    const [s] = parseCsv(newestFirst, { file, profile: profile() }).statements;
    expect([s?.openingBalance?.amount, s?.closingBalance?.amount]).toEqual(['2000.00', '3765.44']);
    const broken = newestFirst.replace('765,44', '700,00');
    expect(checkBalance(parseCsv(broken, { file, profile: profile() }).statements[0]!).message).toMatch(/closing balance 3,700.00 EUR expected, .* add up to 3,765.44 EUR: difference -65.44 EUR/i);
    const shuffled = 'Datum;Text;Betrag;Saldo;Ref\n02.02.2024;b;1,00;1,00;R2\n01.02.2024;a;1,00;2,00;R1\n03.02.2024;c;1,00;3,00;R3\n';
    const unordered = parseCsv(shuffled, { file, profile: profile() }).statements[0];
    expect(unordered?.openingBalance).toBeUndefined();
    expect(unordered?.warnings.join()).toMatch(/not in date order/);
  });

  it('reads separate debit/credit columns, a debit/credit indicator, trailing minus and brackets', () => {
    const split = profile({ columns: { bookingDate: 'Datum', debit: 'Soll', credit: 'Haben', remittance: [] }, headerSignature: ['Datum', 'Soll'] });
    const rows = parseCsv('Datum;Soll;Haben\n01.02.2024;12,50;\n01.02.2024;;7,00\n', { file, profile: split }).statements[0]?.entries;
    expect(rows?.map((e) => [e.amount, e.creditDebit])).toEqual([
      ['-12.50', 'debit'],
      ['7.00', 'credit'],
    ]);
    // 0,00 in the column that does not apply is an empty cell; two real amounts are still refused.
    const zeros = parseCsv('Datum;Soll;Haben\n01.02.2024;12,50;0,00\n01.02.2024;0,00;7,00\n', { file, profile: split }).statements[0]?.entries;
    expect(zeros?.map((e) => e.amount)).toEqual(['-12.50', '7.00']);
    expect(() => parseCsv('Datum;Soll;Haben\n01.02.2024;12,50;7,00\n', { file, profile: split })).toThrow(/line 2, field column "Soll": both the debit and the credit column have an amount/);
    const indicator = profile({
      columns: { bookingDate: 'Datum', amount: 'Betrag', creditDebit: { column: 'S/H', debit: ['S'], credit: ['H'] }, remittance: [] },
    });
    expect(parseCsv('Datum;Betrag;S/H\n01.02.2024;5,00;S\n01.02.2024;5,00;h\n', { file, profile: indicator }).statements[0]?.entries.map((e) => e.amount)).toEqual(['-5.00', '5.00']);
    const signs = profile({ columns: { bookingDate: 'Datum', amount: 'Betrag', remittance: [] } });
    expect(parseCsv('Datum;Betrag\n01.02.2024;5,00-\n01.02.2024;(1.000,00)\n', { file, profile: signs }).statements[0]?.entries.map((e) => e.amount)).toEqual(['-5.00', '-1000.00']);
  });

  it('groups rows into one statement per account and currency', () => {
    const p = profile({ columns: { bookingDate: 'Datum', amount: 'Betrag', account: 'Konto', currency: 'Whg', remittance: [] }, headerSignature: ['Datum', 'Konto'] });
    const { statements } = parseCsv('Datum;Konto;Whg;Betrag\n01.02.2024;A;EUR;1,00\n01.02.2024;B;EUR;2,00\n02.02.2024;A;usd;3,00\n02.02.2024;A;EUR;4,00\n', { file, profile: p });
    expect(statements.map((s) => [s.accountId, s.currency, s.entries.length])).toEqual([
      ['A', 'EUR', 2],
      ['B', 'EUR', 1],
      ['A', 'USD', 1],
    ]);
  });

  it('finds the header below a preamble and takes the account from it', () => {
    const text = 'Umsatzanzeige;erstellt\nIBAN;DE12 3456 7890 1234 5678 90\n\nDatum;Text;Betrag;Saldo;Ref\n01.02.2024;x;1,00;1,00;R\n';
    const [s] = parseCsv(text, { file, profile: profile({ preambleAccountLabel: 'IBAN', accountId: undefined }) }).statements;
    expect(s).toMatchObject({ accountId: 'DE12345678901234567890', iban: 'DE12345678901234567890' });
  });

  it('skips a configured number of preamble lines before a headerless export', () => {
    const headerless = profile({ hasHeader: false, headerSignature: [], skipLines: 2, columns: { bookingDate: 0, amount: 1, remittance: [2] } });
    const text = 'Kontoauszug Februar\nerstellt 03.02.2024\n01.02.2024;1,00;a\n02.02.2024;-2,00;b\n';
    expect(parseCsv(text, { file, profile: headerless }).statements[0]?.entries.map((e) => [e.bookingDate, e.amount, e.remittance])).toEqual([
      ['2024-02-01', '1.00', 'a'],
      ['2024-02-02', '-2.00', 'b'],
    ]);
    expect(() => parseCsv(text, { file, profile: { ...headerless, skipLines: 1 } })).toThrow(/line 2, field column "#1": "erstellt 03.02.2024" is not a date/);
  });

  it('detects encodings: UTF-8 with BOM, UTF-16 LE and BE by BOM, Windows-1252 or a configured code page otherwise', () => {
    const text = simple.replace('Miete', 'Miete Straße');
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const utf16be = Buffer.from(utf16le.subarray(2)).swap16();
    const inputs = [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      utf16le,
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]),
      Buffer.from(text, 'latin1'),
    ];
    for (const input of inputs) {
      expect(parseCsv(input, { file, profile: profile() }).statements[0]?.entries[0]?.remittance).toBe('Miete Straße');
    }
    const baltic = Buffer.from(simple.replace('Miete', 'Nuoma \u00f0'), 'latin1'); // 0xF0 is š in Windows-1257
    const parsed = parseCsv(baltic, { file, profile: profile({ encoding: 'windows-1257' }) });
    expect(parsed.statements[0]?.entries[0]?.remittance).toBe('Nuoma š');
  });

  it('recognises the built-in exports by their header or row shape, never by the file name', () => {
    const head = (names: string) => `${names}\n`;
    expect(detectCsvProfile(head('Date,Description,Original Description,Amount,Transaction Type,Category,Account Name,Labels,Notes'), file, BUILTIN_CSV_PROFILES)?.name).toBe('mint');
    expect(detectCsvProfile('AT123456789012345678;Text;01.01.2014;31.12.2013;-0,42;EUR\n', file, BUILTIN_CSV_PROFILES, true)?.name).toBe('easybank-giro');
    expect(detectCsvProfile('Datum;Wert\n01.01.2024;1\n', file, BUILTIN_CSV_PROFILES, true)).toBeUndefined();
  });

  it('gives the same result however the text is cut into pieces', () => {
    const text = simple.repeat(3).replace(/\nDatum;Text;Betrag;Saldo;Ref/g, '');
    const whole = parseCsv(text, { file, profile: profile() });
    for (const size of [1, 5, 33]) {
      const parser = new CsvStreamParser({ file, profile: profile() });
      for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
      expect(parser.end()).toEqual(whole);
    }
  });

  describe('rejects rows it cannot read, naming line and column', () => {
    const cases: [string, string, RegExp][] = [
      ['bad date', simple.replace('02.02.2024', '30.02.2024'), /line 3, field column "Datum": "30.02.2024" is not a date; expected a date written DD.MM.YYYY/],
      ['bad amount', simple.replace('-1.234,56', '-1.23,56'), /line 2, field column "Betrag": "-1.23,56" is not an amount/],
      ['missing column', simple.replace('Saldo', 'Kontostand'), /line 1, field column "Saldo": the header has no column "Saldo"/],
      ['no header', 'a;b\n1;2\n', /no header row was found for the "test" profile; expected a row with the cells Datum, Betrag/],
      ['empty amount', simple.replace('-1.234,56', ''), /line 2, field column "Betrag": the amount is empty/],
    ];
    for (const [name, text, message] of cases) {
      it(name, () => {
        expect(() => parseCsv(text, { file, profile: profile() })).toThrow(FormatError);
        expect(() => parseCsv(text, { file, profile: profile() })).toThrow(message);
      });
    }

    it('a file no profile fits', () => {
      expect(() => parseCsv('Datum;Wert\n01.01.2024;1\n', { file })).toThrow(/no CSV profile fits this file \(first line: "Datum;Wert"\)/);
    });
  });
});
