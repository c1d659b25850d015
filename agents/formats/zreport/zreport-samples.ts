/** Z reports written the way a till writes them, for tests, the bench and the README examples. */
import ExcelJS from 'exceljs';

export interface SampleZReport {
  register: string;
  zNumber: string;
  businessDay: string;
  openedAt: string;
  closedAt: string;
  currency: string;
  total: string;
  receiptCount?: number;
  tenders: Record<string, string>;
  cash: { openingFloat?: string; paidIn?: string; paidOut?: string; counted: string };
}

/** A balanced report: 100.00 float + 400.00 cash − 20.00 paid out = 480.00 counted. */
export function sampleZReport(overrides: Partial<SampleZReport> = {}): SampleZReport {
  return {
    register: 'till-1',
    zNumber: '00412',
    businessDay: '2026-11-28',
    openedAt: '2026-11-28T08:00:00+01:00',
    closedAt: '2026-11-28T22:14:09+01:00',
    currency: 'EUR',
    total: '1234.50',
    receiptCount: 87,
    tenders: { cash: '400.00', card: '834.50' },
    cash: { openingFloat: '100.00', paidIn: '0.00', paidOut: '20.00', counted: '480.00' },
    ...overrides,
  };
}

export function zReportJson(reports: readonly SampleZReport[]): string {
  return `${JSON.stringify({ format: 'tya-zreport/1', reports }, null, 2)}\n`;
}

const COLUMNS = ['register', 'z_number', 'business_day', 'opened_at', 'closed_at', 'currency', 'total', 'receipt_count', 'opening_float', 'paid_in', 'paid_out', 'counted_cash'];

function rowsOf(reports: readonly SampleZReport[]): { header: string[]; rows: string[][] } {
  const tenders = [...new Set(reports.flatMap((r) => Object.keys(r.tenders)))];
  const header = [...COLUMNS, ...tenders.map((t) => `tender_${t}`)];
  const rows = reports.map((r) => [
    r.register,
    r.zNumber,
    r.businessDay,
    r.openedAt,
    r.closedAt,
    r.currency,
    r.total,
    r.receiptCount === undefined ? '' : String(r.receiptCount),
    r.cash.openingFloat ?? '',
    r.cash.paidIn ?? '',
    r.cash.paidOut ?? '',
    r.cash.counted,
    ...tenders.map((t) => r.tenders[t] ?? ''),
  ]);
  return { header, rows };
}

export function zReportCsv(reports: readonly SampleZReport[], delimiter = ','): string {
  const { header, rows } = rowsOf(reports);
  const cell = (value: string) => (delimiter === ';' && /^-?\d+\.\d+$/.test(value) ? value.replace('.', ',') : value);
  return `${[header, ...rows].map((r) => r.map(cell).join(delimiter)).join('\r\n')}\r\n`;
}

export async function zReportXlsx(reports: readonly SampleZReport[]): Promise<Buffer> {
  const { header, rows } = rowsOf(reports);
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Z reports');
  sheet.addRow(header);
  for (const row of rows) {
    // Amounts as numbers and the day as a date cell, as a person typing into Excel would have them.
    sheet.addRow(row.map((value, i) => (i === 2 ? new Date(`${value}T00:00:00Z`) : i >= 6 && value !== '' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value)));
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
