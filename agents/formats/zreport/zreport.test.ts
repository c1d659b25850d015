import { describe, expect, it } from 'vitest';
import { FormatError } from '../format-error.ts';
import { checkZReports, detectZReport, parseZReport, toOffsetTime } from './index.ts';
import { sampleZReport, zReportCsv, zReportJson, zReportXlsx } from './zreport-samples.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

async function formatErrorOf(promise: Promise<unknown>): Promise<FormatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

describe('Z-report files', () => {
  it('reads JSON, CSV (comma and semicolon with decimal commas) and Excel to the same report', async () => {
    const sample = sampleZReport();
    const files = [
      { name: 'z.json', data: bytes(zReportJson([sample])) },
      { name: 'z.csv', data: bytes(zReportCsv([sample])) },
      { name: 'z-semicolon.csv', data: bytes(zReportCsv([sample], ';')) },
      { name: 'z.xlsx', data: new Uint8Array(await zReportXlsx([sample])) },
    ];
    const expected = {
      register: 'till-1',
      zNumber: '00412',
      businessDay: '2026-11-28',
      openedAt: '2026-11-28T08:00:00+01:00',
      closedAt: '2026-11-28T22:14:09+01:00',
      currency: 'EUR',
      total: '1234.50',
      tenders: { cash: '400.00', card: '834.50' },
      cash: { openingFloat: '100.00', paidIn: '0.00', paidOut: '20.00', expected: '480.00', counted: '480.00', difference: '0.00' },
      receiptCount: 87,
    };
    for (const file of files) {
      const parsed = await parseZReport(file.data, { file: file.name });
      expect(parsed.reports, file.name).toHaveLength(1);
      const { line: _line, ...report } = parsed.reports[0]!;
      // Excel keeps what the cell shows: 400 rather than 400.00.
      if (file.name.endsWith('.xlsx')) {
        expect(report.total).toBe('1234.5');
        expect(report.tenders).toEqual({ cash: '400', card: '834.5' });
        expect(report.cash.difference).toBe('0');
      } else expect(report, file.name).toEqual(expected);
    }
  });

  it('recognises Z reports by content and leaves bank files alone', async () => {
    expect(detectZReport(bytes(zReportJson([sampleZReport()])))).toBe('json');
    expect(detectZReport(bytes(zReportCsv([sampleZReport()], ';')))).toBe('csv');
    expect(detectZReport(new Uint8Array(await zReportXlsx([sampleZReport()])))).toBe('xlsx');
    expect(detectZReport(bytes('Datum;Betrag;Verwendungszweck\n01.02.2026;12,50;Kaffee\n'))).toBeUndefined();
    expect(detectZReport(bytes(':20:STARTUMS\n:25:12345678/0001\n'))).toBeUndefined();
    expect(detectZReport(bytes('{"accounts": []}'))).toBeUndefined();
  });

  it('turns times without an offset into the configured zone, across daylight saving', () => {
    expect(toOffsetTime('2026-11-28 22:14:09', 'Europe/Vienna')).toBe('2026-11-28T22:14:09+01:00');
    expect(toOffsetTime('2026-07-01T08:00', 'Europe/Vienna')).toBe('2026-07-01T08:00:00+02:00');
    expect(toOffsetTime('2026-07-01T08:00:00', 'America/New_York')).toBe('2026-07-01T08:00:00-04:00');
    expect(toOffsetTime('2026-07-01T08:00:00Z', 'Europe/Vienna')).toBe('2026-07-01T08:00:00Z');
    expect(toOffsetTime('2026-07-01T08:00:00+0530', 'UTC')).toBe('2026-07-01T08:00:00+05:30');
    expect(toOffsetTime('2026-02-30T08:00:00', 'UTC')).toBeUndefined();
    expect(toOffsetTime('yesterday', 'UTC')).toBeUndefined();
  });

  it('checks that the tenders add up to the total, with the difference in words and figures', async () => {
    const parsed = await parseZReport(bytes(zReportJson([sampleZReport({ total: '1240.00' })])), { file: 'z.json' });
    const { checks } = checkZReports(parsed.reports);
    const tenders = checks.find((c) => c.name.startsWith('tenders'))!;
    expect(tenders.status).toBe('failed');
    expect(tenders.message).toContain('Total 1,240.00 EUR stated');
    expect(tenders.message).toContain('add up to 1,234.50 EUR');
    expect(tenders.message).toContain('difference 5.50 EUR');
  });

  it('reports the cash over or short against opening float, cash takings, paid in and paid out', async () => {
    const short = sampleZReport({ cash: { openingFloat: '100.00', paidIn: '10.00', paidOut: '20.00', counted: '487.50' } });
    const parsed = await parseZReport(bytes(zReportJson([short])), { file: 'z.json' });
    const report = parsed.reports[0]!;
    expect(report.cash.expected).toBe('490.00');
    expect(report.cash.difference).toBe('-2.50');
    const { checks, warnings } = checkZReports(parsed.reports);
    expect(checks.every((c) => c.status === 'passed')).toBe(true);
    expect(warnings).toEqual([expect.stringContaining('Register till-1 Z-00412: cash short by 2.50 EUR: counted 487.50 EUR, expected 490.00 EUR')]);
    const over = await parseZReport(bytes(zReportJson([sampleZReport({ cash: { counted: '381.00' } })])), { file: 'z.json' });
    // No float, nothing paid in or out: 400.00 cash expected.
    expect(checkZReports(over.reports).warnings[0]).toContain('cash short by 19.00 EUR');
  });

  it('finds Z numbers missing between reports of one register and duplicates inside a file', async () => {
    const reports = [
      sampleZReport({ zNumber: '00410' }),
      sampleZReport({ zNumber: '00413' }),
      sampleZReport({ register: 'till-2', zNumber: '7' }),
      sampleZReport({ register: 'till-2', zNumber: '8' }),
    ];
    const parsed = await parseZReport(bytes(zReportCsv(reports)), { file: 'z.csv' });
    expect(checkZReports(parsed.reports).warnings).toEqual(['Register till-1: Z-00411, Z-00412 are missing between the reports of this file.']);
    const twice = await parseZReport(bytes(zReportCsv([sampleZReport(), sampleZReport({ zNumber: 'Z-412' })])), { file: 'z.csv' });
    const unique = checkZReports(twice.reports).checks.find((c) => c.name.endsWith('is unique'))!;
    expect(unique.status).toBe('failed');
    expect(unique.message).toContain('lines 2 and 3');
  });

  it('names the file, line and field of a bad value', async () => {
    const csv = zReportCsv([sampleZReport(), sampleZReport({ zNumber: '00413', cash: { counted: 'lots' } })]);
    const error = await formatErrorOf(parseZReport(bytes(csv), { file: 'shift.csv' }));
    expect(error.message).toBe('shift.csv, line 3, field column "counted_cash": "lots" is not an amount; expected an amount such as 1234.50.');
    const numbers = JSON.stringify({ reports: [{ ...sampleZReport(), total: 1234.5 }] }, null, 2);
    const json = await formatErrorOf(parseZReport(bytes(numbers), { file: 'z.json' }));
    expect(json.message).toContain('z.json, line 5, field reports[0].total: the value is a JSON number');
    const missing = await formatErrorOf(parseZReport(bytes(JSON.stringify({ ...sampleZReport(), register: '' })), { file: 'z.json' }));
    expect(missing.message).toContain('field register: the value is missing; expected the register (till) name or number');
    const backwards = await formatErrorOf(parseZReport(bytes(zReportJson([sampleZReport({ closedAt: '2026-11-28T07:00:00+01:00' })])), { file: 'z.json' }));
    expect(backwards.message).toContain('closes (2026-11-28T07:00:00+01:00) before it opens');
    expect((await formatErrorOf(parseZReport(bytes('{"zNumber": '), { file: 'z.json' }))).message).toContain('not well-formed');
    expect((await formatErrorOf(parseZReport(bytes('hello'), { file: 'x.txt' }))).message).toContain('this is not a Z report');
  });
});
