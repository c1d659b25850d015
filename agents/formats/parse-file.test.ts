import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvProfileSchema } from './csv/profile.ts';
import { parseFile } from './parse-file.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'parse-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const profile = CsvProfileSchema.parse({
  name: 'test',
  delimiter: ';',
  decimalSeparator: ',',
  dateFormat: 'DD.MM.YYYY',
  headerSignature: ['Datum', 'Betrag'],
  currency: 'EUR',
  accountId: 'A1',
  columns: { bookingDate: 'Datum', amount: 'Betrag', remittance: ['Text'] },
});

describe('parseFile', () => {
  it('reports unreadable, empty and unknown files instead of throwing', async () => {
    expect((await parseFile(path.join(dir, 'missing.sta'))).error).toMatchObject({ code: 'file_unreadable', message: 'missing.sta cannot be read: it does not exist.' });
    expect((await parseFile(dir)).error).toMatchObject({ code: 'file_unreadable', message: expect.stringMatching(/it is a folder/) as unknown });
    const empty = await parseFile(write('empty.csv', ''));
    expect(empty.error).toMatchObject({ code: 'format_error', offset: 0, message: 'empty.csv, byte 0: the file is empty; expected OFX/QFX, CAMT.052/053/054, MT940/MT942, BAI2, CSV or Excel (.xlsx), or a zip of CAMT files.' });
    expect(empty.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const binary = await parseFile(write('image.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3, 0])));
    expect(binary.error?.message).toMatch(/this is not a bank statement format the agent knows/);
    expect(binary.accepted).toBe(false);
  });

  it('streams a large CSV and starts again in Windows-1252 when a non-UTF-8 byte turns up after the first megabytes', async () => {
    const text = 'Zahlung fuer Rechnung, Kundennummer und Verwendungszweck aus dem Lastschriftmandat';
    const rows = Array.from({ length: 90_000 }, (_, i) => `01.02.2024;${text} ${i};1,00`).join('\n');
    const bytes = Buffer.concat([Buffer.from(`Datum;Text;Betrag\n${rows}\n`), Buffer.from('02.02.2024;Gr\u00fc\u00dfe;2,00\n', 'latin1')]);
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    const report = await parseFile(write('large-latin1.csv', bytes), { profile });
    expect(report.error).toBeUndefined();
    const entries = report.statements[0]?.entries ?? [];
    expect(entries).toHaveLength(90_001);
    expect(entries[90_000]?.remittance).toBe('Grüße');
    expect(entries[1]?.remittance).toBe(`${text} 1`);
    expect(report.warnings[0]).toBe('The file is not valid UTF-8; it was read as windows-1252.');
  });
});
