import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANK_LAYOUTS, layoutBytes } from '../../../../test/helpers/csv-bank-layouts.ts';
import { corpusPath, hasExternalCorpus } from '../../../../test/helpers/external-corpus.ts';
import { BUILTIN_CSV_PROFILES } from '../builtin-profiles.ts';
import { runChecks } from '../../checks.ts';
import { FormatError } from '../../format-error.ts';
import { parseCsv } from '../parse-csv.ts';
import { CsvProfileSchema, type CsvProfile } from '../profile.ts';
import { detectCsvLayout } from './detect-profile.ts';
import type { CsvDetectionHints } from './detection.ts';

describe('CSV detection: the bank layout corpus', () => {
  it('holds at least ten layouts covering the classes of issue 10', () => {
    expect(BANK_LAYOUTS.length).toBeGreaterThanOrEqual(10);
    const encodings = new Set(BANK_LAYOUTS.map((l) => l.encoding));
    for (const e of ['utf-8', 'windows-1252', 'windows-1250', 'windows-1257', 'iso-8859-15']) expect(encodings).toContain(e);
    expect(new Set(BANK_LAYOUTS.map((l) => l.delimiter))).toEqual(new Set([';', ',', 'tab']));
    const languages = BANK_LAYOUTS.map((l) => l.language).join(' ');
    for (const language of ['English', 'German', 'French', 'Spanish', 'Italian', 'Dutch', 'Polish', 'Lithuanian', 'Swedish', 'Danish', 'Norwegian', 'Finnish']) expect(languages).toContain(language);
  });

  for (const layout of BANK_LAYOUTS) {
    const file = `${layout.name}.csv`;
    const bytes = layoutBytes(layout);

    it(`${layout.name} (${layout.country}, ${layout.encoding}, "${layout.delimiter}", ${layout.dateFormat}): proposes exactly its profile and reads exact amounts`, () => {
      const detection = detectCsvLayout(bytes, { file, name: layout.name, ...(layout.hints === undefined ? {} : { hints: layout.hints }) });
      expect(detection.ambiguities, JSON.stringify(detection.evidence, null, 1)).toEqual([]);
      expect(detection.profile).toEqual(CsvProfileSchema.parse(layout.profile));
      expect(detection.confidence).toBeGreaterThanOrEqual(0.8);
      const parsed = parseCsv(bytes, { file, profile: detection.profile });
      const entries = parsed.statements.flatMap((s) => s.entries.map((e) => [e.bookingDate, e.amount]));
      expect(entries).toEqual(layout.entries);
      expect(runChecks(parsed).filter((c) => c.status === 'failed')).toEqual([]);
      // The saved profile (JSON) reads the same entries.
      const saved = CsvProfileSchema.parse(JSON.parse(JSON.stringify(detection.profile)));
      expect(parseCsv(bytes, { file, profile: saved }).statements.flatMap((s) => s.entries.map((e) => [e.bookingDate, e.amount]))).toEqual(layout.entries);
    });

    if (layout.openQuestions !== undefined) {
      it(`${layout.name}: without hints, says which questions remain and which option settles each`, () => {
        const detection = detectCsvLayout(bytes, { file, name: layout.name });
        expect(detection.ambiguities.map((a) => a.field).sort()).toEqual([...(layout.openQuestions ?? [])].sort());
        for (const a of detection.ambiguities) expect(a.settle.join(' ')).toMatch(/--[a-z-]+ /);
        expect(detection.confidence).toBeLessThan(0.8);
      });
    }
  }

  it('names both readings of 03/01/2025 and the options that choose one', () => {
    const layout = BANK_LAYOUTS.find((l) => l.name === 'uk-ambiguous-dates');
    if (layout === undefined) throw new Error('layout missing');
    const detection = detectCsvLayout(layoutBytes(layout), { file: 'x.csv' });
    expect(detection.ambiguities.find((a) => a.field === 'dateFormat')).toMatchObject({
      readings: ['DD/MM/YYYY', 'MM/DD/YYYY'],
      settle: ['--date-format DD/MM/YYYY', '--date-format MM/DD/YYYY', 'or the profile key "dateFormat"'],
    });
  });

  it('names both readings of 1.250 (three decimals, or a thousands dot)', () => {
    const layout = BANK_LAYOUTS.find((l) => l.name === 'nl-ambiguous-thousands');
    if (layout === undefined) throw new Error('layout missing');
    const ambiguity = detectCsvLayout(layoutBytes(layout), { file: 'x.csv' }).ambiguities.find((a) => a.field === 'decimalSeparator');
    expect(ambiguity?.readings).toEqual(['decimal "."', 'decimal ",", thousands "."']);
  });
});

describe('CSV detection: what the head cannot tell about the rest', () => {
  it('an ASCII head proposes encoding "auto", so a Windows-1252 row past 64 KB still reads right', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `${String((i % 28) + 1).padStart(2, '0')}.03.2024;Miete Nummer ${i};-1.000,00;EUR`);
    const text = `Datum;Verwendungszweck;Betrag;Waehrung\r\n${rows.join('\r\n')}\r\n15.03.2024;Café Müller;-4,50;EUR\r\n`;
    const bytes = Buffer.from(text, 'latin1');
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const detection = detectCsvLayout(bytes, { file: 'long.csv' });
    expect(detection.ambiguities).toEqual([]);
    expect(detection.profile.encoding).toBe('auto');
    const parsed = parseCsv(bytes, { file: 'long.csv', profile: detection.profile });
    const last = parsed.statements[0]?.entries.at(-1);
    expect([last?.remittance, last?.amount]).toEqual(['Café Müller', '-4.50']);
    expect(parsed.warnings.join(' ')).toContain('not valid UTF-8; it was read as windows-1252');
  });
});

describe('CSV detection: sign conventions the head shows only in part', () => {
  it('an indicator column with debits only takes the credit mark from its header (D/K)', () => {
    const text = 'Data;Suma;Valiuta;D/K\n2024-05-02;45,20;EUR;D\n2024-05-20;100,00;EUR;D\n';
    const detection = detectCsvLayout(Buffer.from(text), { file: 'lt.csv' });
    expect(detection.profile.columns.creditDebit).toEqual({ column: 'D/K', debit: ['D'], credit: ['K'] });
    const later = `${text}2024-05-21;7,00;EUR;K\n`;
    expect(parseCsv(Buffer.from(later), { file: 'lt.csv', profile: detection.profile }).statements[0]?.entries.map((e) => e.amount)).toEqual(['-45.20', '-100.00', '7.00']);
  });

  it('unsigned amounts without an indicator are read as written, with a warning naming the column', () => {
    const detection = detectCsvLayout(Buffer.from('Date;Amount;Currency\n13.01.2024;5.00;EUR\n'), { file: 'plus.csv' });
    expect(detection.ambiguities).toEqual([]);
    expect(detection.warnings.join('\n')).toContain('plus.csv, line 1, field column "Amount": every amount in the first rows is positive');
  });
});

describe('CSV detection: errors name file, line and field', () => {
  it('a file without a known header', () => {
    expect(() => detectCsvLayout(Buffer.from('foo;bar\n1;2\n'), { file: 'odd.csv' })).toThrow(/odd\.csv, line 1, field header: no header row naming a date and an amount/);
  });

  it('a date that fits no reading, on its line and in its column', () => {
    const text = 'Datum;Betrag;Währung\n01.02.2024;1,00;EUR\n2024-02-03;2,00;EUR\n';
    expect(() => detectCsvLayout(Buffer.from(text), { file: 'mixed.csv' })).toThrow(/mixed\.csv, line 3, field column "Datum": the dates mix separators/);
  });

  it('an amount written unlike the others', () => {
    const text = 'Datum;Betrag;Währung\n01.02.2024;1.234,50;EUR\n13.02.2024;12x;EUR\n';
    expect(() => detectCsvLayout(Buffer.from(text), { file: 'bad.csv' })).toThrow(FormatError);
  });

  it('NUL bytes are named as such, with their line', () => {
    expect(() => detectCsvLayout(Buffer.from('Date,Amount\n01/02/2024,1.00\u0000\n'), { file: 'nul.csv' })).toThrow(/nul\.csv, line 2: the line contains NUL bytes/);
  });

  it('a date format given that the dates do not follow', () => {
    const text = 'Date,Amount,Currency\n01/02/2024,1.00,EUR\n';
    expect(() => detectCsvLayout(Buffer.from(text), { file: 'h.csv', hints: { dateFormat: 'YYYY-MM-DD' } })).toThrow(/h\.csv, line 2, field column "Date": "01\/02\/2024" is not a date written YYYY-MM-DD/);
  });
});

describe('CSV detection on garbled input (property)', () => {
  const isExpected = (error: unknown) => error instanceof FormatError && /\.csv/.test(error.message);

  it('random bytes: a result or a FormatError, never anything else, in bounded time', () => {
    let slowest = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const started = performance.now();
        try {
          detectCsvLayout(bytes, { file: 'random.csv' });
        } catch (error) {
          if (!isExpected(error)) throw error;
        }
        slowest = Math.max(slowest, performance.now() - started);
      }),
      { seed: 10, numRuns: 300 },
    );
    expect(slowest).toBeLessThan(1000);
  });

  it('corpus files with bytes flipped, cut or repeated: a result or a FormatError', () => {
    const files = BANK_LAYOUTS.map(layoutBytes);
    fc.assert(
      fc.property(fc.nat(files.length - 1), fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.nat(2000), (which, flips, cut) => {
        const source = files[which] ?? new Uint8Array();
        const bytes = Uint8Array.from(source.subarray(0, Math.max(1, cut % (source.length + 1))));
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        try {
          const detection = detectCsvLayout(bytes, { file: 'garbled.csv' });
          expect(detection.confidence).toBeGreaterThanOrEqual(0);
        } catch (error) {
          if (!isExpected(error)) throw error;
        }
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it('a head of 64 KB of one long row or many tiny rows stays fast (linear)', () => {
    const heads = [Buffer.alloc(64 * 1024, 'a'), Buffer.from('Datum;Betrag\n'.concat('1;\n'.repeat(30_000))), Buffer.from('"'.repeat(64 * 1024)), Buffer.from(';'.repeat(9_000))];
    for (const head of heads) {
      const started = performance.now();
      try {
        detectCsvLayout(head, { file: 'big.csv' });
      } catch (error) {
        if (!isExpected(error)) throw error;
      }
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });
});

describe('CSV detection on real exports no one here wrote (external corpus)', () => {
  const onCorpus = it.skipIf(!hasExternalCorpus());
  // What each file leaves open, and the hint that settles it: the built-in profiles assume these.
  const cases: Array<{ file: string; builtin: string; open: string[]; hints?: CsvDetectionHints }> = [
    { file: 'bankstatementparser_csv_european_decimals.csv', builtin: 'de-betrag-ccy', open: [] },
    { file: 'ofxstatement-de-ing_test_with_saldo_1.csv', builtin: 'ing-de', open: [] },
    { file: 'csv2ofx_ubs-ch-fr_trimmed.csv', builtin: 'ubs-ch-fr', open: [] },
    // One row only, dated 10.10.2017: day and month cannot be told apart.
    { file: 'csv2ofx_gls.csv', builtin: 'gls-bank', open: ['dateFormat'], hints: { dateFormat: 'DD.MM.YYYY' } },
    { file: 'csv2ofx_ingesp.csv', builtin: 'ing-es', open: ['currency'], hints: { currency: 'EUR' } },
    { file: 'csv2ofx_mint_extra.csv', builtin: 'mint', open: ['currency'], hints: { currency: 'USD' } },
  ];
  for (const c of cases) {
    onCorpus(`${c.file}: ${c.open.length === 0 ? 'settled' : `${c.open.join(', ')} open`}, and once settled reads the dates and amounts the "${c.builtin}" profile reads`, () => {
      const bytes = readFileSync(corpusPath('bank', 'csv', c.file));
      const open = detectCsvLayout(bytes, { file: c.file });
      expect(open.ambiguities.map((a) => a.field)).toEqual(c.open);
      const detection = c.hints === undefined ? open : detectCsvLayout(bytes, { file: c.file, hints: c.hints });
      expect(detection.ambiguities).toEqual([]);
      const builtin = BUILTIN_CSV_PROFILES.find((p) => p.name === c.builtin);
      if (builtin === undefined) throw new Error(`no built-in profile ${c.builtin}`);
      const read = (profile: CsvProfile) => parseCsv(bytes, { file: c.file, profile }).statements.flatMap((s) => s.entries.map((e) => [e.bookingDate, e.amount, e.currency]));
      const expected = read(builtin);
      expect(expected.length).toBeGreaterThan(0);
      expect(read(detection.profile)).toEqual(expected);
    });
  }

  onCorpus('a headerless export (easybank) is refused with the file, the line and what a header would be', () => {
    expect(() => detectCsvLayout(readFileSync(corpusPath('bank', 'csv', 'ofxstatement-austrian_easybank-giro.csv')), { file: 'easybank.csv' })).toThrow(/easybank\.csv, line 1, field header: no header row naming a date and an amount/);
  });
});
