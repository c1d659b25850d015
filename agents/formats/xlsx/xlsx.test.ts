import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { checkBalance } from '../checks.ts';
import { CsvProfileSchema } from '../csv/profile.ts';
import { FormatError } from '../format-error.ts';
import { parseXlsx } from './parse-xlsx.ts';

const file = 'export.xlsx';

async function workbook(rows: ExcelJS.CellValue[][], sheetName = 'Umsätze'): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet(sheetName);
  for (const row of rows) sheet.addRow(row);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

const german = CsvProfileSchema.parse({
  name: 'bank-xlsx',
  decimalSeparator: ',',
  thousandsSeparator: '.',
  dateFormat: 'DD.MM.YYYY',
  headerSignature: ['Buchungstag', 'Betrag'],
  currency: 'EUR',
  accountId: 'DE89370400440532013000',
  columns: { bookingDate: 'Buchungstag', amount: 'Betrag', remittance: ['Text'], balance: 'Saldo' },
});

describe('Excel parser', () => {
  it('reads number, date, text and formula cells through the same profile as CSV', async () => {
    const bytes = await workbook([
      ['Kontoauszug'],
      [],
      ['Buchungstag', 'Text', 'Betrag', 'Saldo'],
      [new Date(Date.UTC(2024, 1, 1)), 'Miete', -1234.56, 765.44],
      ['02.02.2024', { richText: [{ text: 'Gehalt ' }, { text: 'Februar' }] }, 0.1 + 0.2, { formula: 'D4+C5', result: 765.74 }],
    ]);
    const parsed = await parseXlsx(bytes, { file, profile: german });
    expect(parsed.format).toBe('xlsx');
    const [s] = parsed.statements;
    expect(s?.entries.map((e) => [e.bookingDate, e.amount, e.remittance])).toEqual([
      ['2024-02-01', '-1234.56', 'Miete'],
      ['2024-02-02', '0.3', 'Gehalt Februar'],
    ]);
    expect(s?.closingBalance?.amount).toBe('765.74');
    expect(checkBalance(s!).status).toBe('passed');
  });

  it('recognises a built-in export by its header row', async () => {
    const bytes = await workbook([
      ['Date', 'Description', 'Original Description', 'Amount', 'Transaction Type', 'Category', 'Account Name', 'Labels', 'Notes'],
      ['6/12/15', 'Coffee', 'COFFEE SHOP', 4.5, 'debit', 'Food', 'Checking', '', ''],
    ]);
    const parsed = await parseXlsx(bytes, { file });
    expect(parsed.warnings[0]).toMatch(/with the "mint" profile/);
    expect(parsed.statements[0]?.entries[0]).toMatchObject({ amount: '-4.5', bookingDate: '2015-06-12', counterparty: 'Coffee' });
  });

  it('names the worksheet row of a cell it cannot read', async () => {
    const bytes = await workbook([
      ['Buchungstag', 'Text', 'Betrag', 'Saldo'],
      [new Date(Date.UTC(2024, 1, 1)), 'Miete', 'zwölf', 1],
    ]);
    await expect(parseXlsx(bytes, { file, profile: german })).rejects.toThrow(/export.xlsx, line 2, field column "Betrag": "zwölf" is not an amount/);
  });

  it('refuses what is not a workbook, and a worksheet that is not there', async () => {
    const error = await parseXlsx(new TextEncoder().encode('Buchungstag;Betrag'), { file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/this is not a readable Excel workbook/);
    const bytes = await workbook([['Buchungstag', 'Betrag']]);
    await expect(parseXlsx(bytes, { file, profile: german, sheet: 'Missing' })).rejects.toThrow(/no worksheet "Missing"; expected one of: Umsätze/);
  });
});
