import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText } from './clean-text.ts';
import { findDuplicates } from './find-duplicates.ts';
import { normaliseDate, type DateFormat } from './normalise-date.ts';
import { formatPostcode } from './postcode.ts';

describe('cleanText', () => {
  it.each([
    ['  Müller  ', false, 'Müller'],
    ['Mu\u0308ller', false, 'Müller'],
    ['Cafe\u0301\t', false, 'Café'],
    ['ACME\u00a0 GmbH \n', false, 'ACME\u00a0 GmbH'],
    ['ACME\u00a0 GmbH \n', true, 'ACME GmbH'],
    ['Main St 1\n12345 Town', false, 'Main St 1\n12345 Town'],
    ['Main St 1\n12345   Town', true, 'Main St 1 12345 Town'],
  ])('%j (collapse %s) → %j', (text, collapseWhitespace, cleaned) => {
    expect(cleanText(text, { collapseWhitespace })).toBe(cleaned);
  });

  it('property: cleaning twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), fc.boolean(), (text, collapseWhitespace) => {
        const once = cleanText(text, { collapseWhitespace });
        expect(cleanText(once, { collapseWhitespace })).toBe(once);
      }),
    );
  });
});

describe('formatPostcode', () => {
  it.each([
    ['sw1a1aa', 'GB', 'SW1A 1AA'], ['M1 1AE', 'GB', 'M1 1AE'], ['ec1a 1bb', 'GB', 'EC1A 1BB'], ['GIR0AA', 'GB', 'GIR 0AA'],
    ['1012ab', 'NL', '1012 AB'], ['1012 AB', 'NL', '1012 AB'], ['00950', 'PL', '00-950'], ['00-950', 'PL', '00-950'],
    [' 10115 ', 'DE', '10115'], ['12345', 'US', '12345'], ['123456789', 'US', '12345-6789'], ['12345-6789', 'US', '12345-6789'],
    ['k1a0b6', 'CA', 'K1A 0B6'], ['H3Z 2Y7', 'CA', 'H3Z 2Y7'], ['01100', 'LT', 'LT-01100'], ['lt-01100', 'LT', 'LT-01100'],
    ['LT 01100', 'LT', 'LT-01100'],
  ])('%j in %s → %s', (text, country, postcode) => {
    expect(formatPostcode(text, country)).toEqual({ ok: true, value: { postcode, known: true } });
  });

  it.each([
    ['SW1A', 'GB'], ['0123 AB', 'NL'], ['1012 SA', 'NL'], ['1012 A', 'NL'], ['0950', 'PL'], ['1011', 'DE'], ['101155', 'DE'],
    ['1234', 'US'], ['12345-678', 'US'], ['D1A 0B6', 'CA'], ['W1A 0B6', 'CA'], ['K1A 0O6', 'CA'], ['1100', 'LT'], ['LV-1010', 'LT'],
  ])('%j is not a %s postcode', (text, country) => {
    const result = formatPostcode(text, country, 'customer.postcode');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ code: 'postcode_format', path: 'customer.postcode', value: text });
      expect(result.error.message).toContain(`not a valid ${country} postcode (expected like`);
    }
  });

  it('leaves countries without a rule alone, only trimmed', () => {
    expect(formatPostcode(' 75008 ', 'FR')).toEqual({ ok: true, value: { postcode: '75008', known: false } });
  });
});

describe('normaliseDate', () => {
  it.each<[string, DateFormat | DateFormat[], string]>([
    ['31.12.2024', 'DD.MM.YYYY', '2024-12-31'], ['1.2.2024', 'DD.MM.YYYY', '2024-02-01'], ['29.02.2024', 'DD.MM.YYYY', '2024-02-29'],
    ['29/02/2000', 'DD/MM/YYYY', '2000-02-29'], ['12/31/2024', 'MM/DD/YYYY', '2024-12-31'], ['31-12-2024', 'DD-MM-YYYY', '2024-12-31'],
    ['20241231', 'YYYYMMDD', '2024-12-31'], [' 2024-12-31 ', 'YYYY-MM-DD', '2024-12-31'],
    ['25/04/2024', ['DD/MM/YYYY', 'MM/DD/YYYY'], '2024-04-25'], ['04/25/2024', ['DD/MM/YYYY', 'MM/DD/YYYY'], '2024-04-25'],
    ['05/05/2024', ['DD/MM/YYYY', 'MM/DD/YYYY'], '2024-05-05'], ['31.12.2024', ['YYYYMMDD', 'DD.MM.YYYY'], '2024-12-31'],
  ])('%j as %j → %s', (text, formats, iso) => {
    expect(normaliseDate(text, formats)).toEqual({ ok: true, value: iso });
  });

  it.each<[string, DateFormat | DateFormat[], string, string]>([
    ['03/04/2024', ['DD/MM/YYYY', 'MM/DD/YYYY'], 'date_ambiguous', 'reads as 2024-04-03 as DD/MM/YYYY, 2024-03-04 as MM/DD/YYYY; it is not guessed'],
    ['31/12/2024', 'DD.MM.YYYY', 'date_format', 'does not match DD.MM.YYYY'],
    ['31.12.24', 'DD.MM.YYYY', 'date_format', 'four-digit year'],
    ['2024-12-31T00:00:00', 'YYYY-MM-DD', 'date_format', 'does not match YYYY-MM-DD'],
    ['29.02.2023', 'DD.MM.YYYY', 'date_impossible', 'is not a calendar date'],
    ['29.02.1900', 'DD.MM.YYYY', 'date_impossible', 'is not a calendar date'],
    ['31/04/2024', 'DD/MM/YYYY', 'date_impossible', 'is not a calendar date'],
    ['12/31/2024', 'DD/MM/YYYY', 'date_impossible', 'read as DD/MM/YYYY'],
    ['20241301', 'YYYYMMDD', 'date_impossible', 'is not a calendar date'],
    ['2024-1-31', 'YYYY-MM-DD', 'date_format', 'does not match'],
  ])('%j as %j fails with %s', (text, formats, code, message) => {
    const result = normaliseDate(text, formats, 'entry.date');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ code, path: 'entry.date', value: text });
      expect(result.error.message).toContain(message);
    }
  });

  it('property: every calendar date written DD.MM.YYYY comes back as the same ISO date', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }), (date) => {
        const iso = date.toISOString().slice(0, 10);
        const [y = '', m = '', d = ''] = iso.split('-');
        expect(normaliseDate(`${d}.${m}.${y}`, 'DD.MM.YYYY')).toEqual({ ok: true, value: iso });
        expect(normaliseDate(`${y}${m}${d}`, 'YYYYMMDD')).toEqual({ ok: true, value: iso });
      }),
    );
  });
});

describe('findDuplicates', () => {
  const invoices = [
    { invoice: 'A-1', supplier: 'S1', total: '10.00' },
    { invoice: 'A-2', supplier: 'S1', total: '20.00' },
    { invoice: 'A-1 ', supplier: 'S1', total: '10.50' },
    { invoice: 'A-1', supplier: 'S2', total: '30.00' },
    { invoice: '', supplier: 'S2', total: '5.00' },
    { invoice: 'A-1', supplier: 'S1', total: '10.00' },
    { invoice: 7, supplier: 'S3' },
    { invoice: '7', supplier: 'S3' },
  ];

  it('reports each repeat with both positions, keeps every record', () => {
    const report = findDuplicates(invoices, ['invoice', 'supplier'], 'invoices.csv');
    expect(report.duplicates.map((d) => [d.first, d.duplicate])).toEqual([[0, 2], [0, 5], [6, 7]]);
    expect(report.duplicates[0]?.failure).toEqual({
      code: 'duplicate_key',
      path: 'invoices.csv[2]',
      value: { invoice: 'A-1', supplier: 'S1' },
      message: 'invoices.csv[2]: records 1 and 3 have the same invoice "A-1", supplier "S1"; they are not merged. Keep one, or correct the key of the other.',
    });
    expect(report.missing.map((m) => [m.position, m.field])).toEqual([[4, 'invoice']]);
    expect(report.missing[0]?.failure).toMatchObject({ code: 'missing_key', path: 'invoices.csv[4].invoice', value: '' });
    expect(report.missing[0]?.failure.message).toContain('record 5 has no invoice, part of the business key (invoice + supplier)');
  });

  it('finds none in distinct keys, and with one key field compares that field only', () => {
    expect(findDuplicates(invoices.slice(0, 2), ['invoice', 'supplier'])).toEqual({ duplicates: [], missing: [] });
    expect(findDuplicates(invoices, ['supplier']).duplicates.map((d) => [d.first, d.duplicate])).toEqual([[0, 1], [0, 2], [3, 4], [0, 5], [6, 7]]);
  });

  it('refuses an empty key list (a configuration bug)', () => {
    expect(() => findDuplicates(invoices, [])).toThrow('at least one key field');
  });

  it('property: the number of duplicates is the batch size minus the distinct keys', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ a: fc.constantFrom('x', 'y', 'z'), b: fc.integer({ min: 0, max: 3 }) })), (records) => {
        const distinct = new Set(records.map((r) => `${r.a}|${r.b}`)).size;
        const report = findDuplicates(records, ['a', 'b']);
        expect(report.duplicates).toHaveLength(records.length - distinct);
        for (const d of report.duplicates) expect(d.first).toBeLessThan(d.duplicate);
      }),
    );
  });
});
