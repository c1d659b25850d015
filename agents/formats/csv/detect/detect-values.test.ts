import { describe, expect, it } from 'vitest';
import { detectDateFormat } from './detect-dates.ts';
import { detectEncoding } from './detect-encoding.ts';
import { detectNumberStyle } from './detect-numbers.ts';
import { foldHeader, matchHeader } from './header-words.ts';

describe('date formats from cells', () => {
  it.each([
    [['31.01.2024', '01.02.2024'], ['DD.MM.YYYY']],
    [['1.2.24', '13.2.24'], ['D.M.YY']],
    [['01/31/2024', '02/01/2024'], ['MM/DD/YYYY']],
    [['6/12/15', '6/13/15'], ['M/D/YY']],
    [['2024-01-31 10:00', '2024-02-01T08:00:00'], ['YYYY-MM-DD']],
    [['14-10-2024'], ['DD-MM-YYYY']],
    [['20240131'], ['YYYYMMDD']],
    [['01/02/2024', '03/04/2024'], ['DD/MM/YYYY', 'MM/DD/YYYY']],
  ])('%j → %j', (cells, readings) => {
    expect(detectDateFormat(cells).readings).toEqual(readings);
  });

  it('refuses what no order reads, naming the cell', () => {
    expect(detectDateFormat(['31/13/2024'])).toMatchObject({ readings: [], unreadable: '31/13/2024' });
    expect(detectDateFormat(['01.02.2024', 'gestern'])).toMatchObject({ readings: [], unreadable: 'gestern' });
  });
});

describe('number styles from cells', () => {
  const style = (cells: string[]) => detectNumberStyle(cells).readings.map((r) => `${r.decimalSeparator}${r.thousandsSeparator}`);
  it.each([
    [['1.234,56', '-4,50'], [',.']],
    [['1,234.56', '(12.00)'], ['.,']],
    [["12'415.65", '84.35'], [".'"]],
    [['1 987,60', '12,40-'], [', ']],
    [['12,5', '7'], [',.']],
    [['1.234.567'], [',.']],
    [['0.500'], ['.,']],
    [['1.250', '-2.500'], ['.', ',.']],
    [['12', '-7'], ['.']],
  ])('%j → %j', (cells, readings) => {
    expect(style(cells)).toEqual(readings);
  });

  it('a separator given settles it', () => {
    expect(detectNumberStyle(['1.250'], ',').readings).toEqual([{ decimalSeparator: ',', thousandsSeparator: '.' }]);
  });
});

describe('header names', () => {
  it('folds accents, case and punctuation', () => {
    expect(foldHeader('  Währung (Betrag)')).toBe('wahrung betrag');
    expect(foldHeader('#Tytuł')).toBe('tytul');
    expect(foldHeader('Beløb')).toBe('belob');
  });

  it('knows the fields in each language, a currency inside the header, and a known phrase at the start', () => {
    expect(matchHeader('Buchungstag')?.fields).toEqual(['bookingDate']);
    expect(matchHeader('Date de valeur')?.fields).toEqual(['valueDate']);
    expect(matchHeader('Valuta')?.fields).toEqual(['valueDate', 'currency']);
    expect(matchHeader('Bedrag (EUR)')).toMatchObject({ fields: ['amount'], currency: 'EUR' });
    expect(matchHeader('Määrä EUROA')).toMatchObject({ fields: ['amount'], currency: 'EUR' });
    expect(matchHeader('Kwota transakcji (waluta rachunku)')).toMatchObject({ fields: ['amount'], how: 'prefix' });
    expect(matchHeader('Mokėjimo paskirtis')?.fields).toEqual(['remittance']);
    expect(matchHeader('Frobnication')).toBeUndefined();
  });
});

describe('encodings from bytes', () => {
  const cp = (text: string, encoding: string) => {
    const table = new Map<string, number>();
    const decoder = new TextDecoder(encoding);
    for (let b = 0; b < 256; b += 1) table.set(decoder.decode(Uint8Array.of(b)), b);
    return Uint8Array.from([...text].map((c) => table.get(c) ?? 63));
  };

  it('BOM, UTF-8 and plain ASCII', () => {
    expect(detectEncoding(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41]))).toMatchObject({ encoding: 'utf-8', bom: true });
    expect(detectEncoding(Buffer.from('Datum;Währung\n'))).toMatchObject({ encoding: 'utf-8', bom: false });
    expect(detectEncoding(Buffer.from('Date,Amount\n'))).toMatchObject({ encoding: 'utf-8', ascii: true });
  });

  it.each([
    ['Data;Tytuł;Kwota\n2024-01-02;Opłata za kartę;-5,00\n', 'windows-1250'],
    ['Data;Mokėjimo paskirtis;Suma\n2024-01-02;Už elektrą;5,00\n', 'windows-1257'],
    ['Data contabile;Descrizione;Dare\n02/05/2024;Caffè Società;3,50\n', 'windows-1252'],
    ['Date;Libellé;Débit\n02/04/2024;SACRÉ-CŒUR;12,40\n', 'iso-8859-15'],
  ])('%j written in %s is read as such', (text, encoding) => {
    expect(detectEncoding(cp(text, encoding))).toMatchObject({ encoding, rivals: [] });
  });
});
