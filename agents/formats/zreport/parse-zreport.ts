/**
 * Z-report files (README.md beside this file): JSON, CSV or Excel, recognised by content. Reading
 * never throws anything but FormatError for a bad file.
 */
import type ExcelJS from 'exceljs';
import { guessDelimiter } from '../csv/parse-csv.ts';
import { tokenizeCsv } from '../csv/tokenizer.ts';
import { FormatError } from '../format-error.ts';
import { decodeText } from '../text-decode.ts';
import { listZip, looksLikeZip, unpackZipEntry } from '../zip/read-zip.ts';
import { headerMeaning, isZReportHeader } from './headers.ts';
import type { ZReport, ZReportEncoding, ZReportFile } from './model.ts';
import { readReport, type RawReport, type ZField } from './read-report.ts';

export interface ZReportOptions {
  file: string;
  /** IANA zone for times written without an offset. Default UTC. */
  timeZone?: string;
}

const JSON_MARKER = /"zNumber"\s*:/;
const MAX_DETECT_STRINGS = 4 * 1024 * 1024;

/** Whether these bytes (the whole file or its first 64 KB) are a Z report, and in which encoding. */
export function detectZReport(bytes: Uint8Array): ZReportEncoding | undefined {
  if (looksLikeZip(bytes)) {
    try {
      // Only the shared strings are unpacked, and only when small: a Z report is one shift, and the
      // folder source asks this on its main thread for every zip it sees.
      const strings = listZip(bytes, 'detect').find((e) => e.name === 'xl/sharedStrings.xml');
      if (strings === undefined || strings.size > MAX_DETECT_STRINGS) return undefined;
      const data = unpackZipEntry(bytes, strings, 'detect');
      const cells = [...new TextDecoder().decode(data).matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((m) => m[1] ?? '');
      return isZReportHeader(cells) ? 'xlsx' : undefined;
    } catch {
      return undefined;
    }
  }
  const text = decodeText(bytes.subarray(0, 64 * 1024), { file: 'detect' }).text.replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && JSON_MARKER.test(text)) return 'json';
  const firstLine = trimmed.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const delimiter = guessDelimiter(firstLine);
  return isZReportHeader(firstLine.split(delimiter).map((c) => c.replace(/^"|"$/g, ''))) ? 'csv' : undefined;
}

export async function parseZReport(bytes: Uint8Array, options: ZReportOptions): Promise<ZReportFile> {
  const encoding = detectZReport(bytes);
  const timeZone = options.timeZone ?? 'UTC';
  switch (encoding) {
    case 'json':
      return parseJson(bytes, options.file, timeZone);
    case 'csv':
      return parseCsvReports(bytes, options.file, timeZone);
    case 'xlsx':
      return parseXlsxReports(bytes, options.file, timeZone);
    default:
      throw new FormatError({ file: options.file, offset: 0 }, bytes.length === 0 ? 'the file is empty' : 'this is not a Z report', {
        expected: 'a Z report as JSON (with "zNumber"), or CSV/Excel with "register" and "z_number" columns (see the Z-report format in the README)',
      });
  }
}

function parseJson(bytes: Uint8Array, file: string, timeZone: string): ZReportFile {
  const decoded = decodeText(bytes, { file });
  const text = decoded.text.replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const line = position === undefined ? 1 : lineAt(text, Number(position));
    throw new FormatError({ file, line }, `the JSON is not well-formed (${(error as Error).message})`, { expected: 'a JSON object or array' });
  }
  const list = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.reports) ? parsed.reports : [parsed];
  const prefix = Array.isArray(parsed) ? '' : isObject(parsed) && Array.isArray(parsed.reports) ? 'reports' : undefined;
  const starts = [...text.matchAll(/"zNumber"\s*:/g)].map((m) => lineAt(text, m.index));
  const reports = list.map((item: unknown, i) => {
    const path = prefix === undefined ? '' : `${prefix}[${i}].`;
    const line = starts[i] ?? 1;
    if (!isObject(item)) throw new FormatError({ file, line, field: path || '(top level)' }, 'a report must be a JSON object', { expected: 'an object with register, zNumber, …' });
    return readReport(jsonRaw(item, path, line, file), { file, timeZone, decimal: { decimalSeparator: '.' } });
  });
  return done('json', reports, file, decoded.warning);
}

const JSON_PATHS: Record<ZField, readonly string[]> = {
  register: ['register'],
  zNumber: ['zNumber'],
  businessDay: ['businessDay'],
  openedAt: ['openedAt'],
  closedAt: ['closedAt'],
  currency: ['currency'],
  total: ['total'],
  receiptCount: ['receiptCount'],
  openingFloat: ['cash', 'openingFloat'],
  paidIn: ['cash', 'paidIn'],
  paidOut: ['cash', 'paidOut'],
  counted: ['cash', 'counted'],
};

function jsonRaw(item: Record<string, unknown>, path: string, line: number, file: string): RawReport {
  const tenders = isObject(item.tenders) ? Object.entries(item.tenders) : [];
  for (const [name, value] of tenders) {
    if (typeof value !== 'string') {
      throw new FormatError({ file, line, field: `${path}tenders.${name}` }, `the amount is a JSON ${value === null ? 'null' : typeof value}`, {
        expected: 'a JSON string such as "834.50" (money is never a JSON number, so nothing is rounded)',
      });
    }
  }
  return {
    line,
    tenders: tenders as Array<[string, string]>,
    fieldName: (field) => (field.startsWith('tender ') ? `${path}tenders.${field.slice(7)}` : `${path}${JSON_PATHS[field as ZField].join('.')}`),
    get: (field) => {
      let value: unknown = item;
      for (const key of JSON_PATHS[field]) value = isObject(value) ? value[key] : undefined;
      if (value === undefined || value === null) return undefined;
      if (typeof value === 'string') return value;
      if (field === 'receiptCount' && typeof value === 'number') return String(value);
      throw new FormatError({ file, line, field: `${path}${JSON_PATHS[field].join('.')}` }, `the value is a JSON ${typeof value}`, {
        expected: field === 'register' || field === 'zNumber' ? 'a JSON string' : 'a JSON string such as "1234.50" (money is never a JSON number, so nothing is rounded)',
      });
    },
  };
}

function parseCsvReports(bytes: Uint8Array, file: string, timeZone: string): ZReportFile {
  const decoded = decodeText(bytes, { file });
  const text = decoded.text.replace(/^\uFEFF/, '');
  const delimiter = guessDelimiter(text.slice(0, 4096));
  const rows = tokenizeCsv(text, { delimiter, file }).filter((r) => r.cells.some((c) => c.trim() !== ''));
  const [header, ...body] = rows;
  if (header === undefined) throw new FormatError({ file, line: 1 }, 'the file has no heading row', { expected: 'a heading row naming the columns' });
  // A semicolon-separated export comes from a locale that writes decimal commas.
  const decimal = delimiter === ';' ? ({ decimalSeparator: ',', thousandsSeparator: '.' } as const) : ({ decimalSeparator: '.' } as const);
  const reports = body.map((row) => readReport(rowRaw(header.cells, row.cells, row.line), { file, timeZone, decimal }));
  return done('csv', reports, file, decoded.warning);
}

async function parseXlsxReports(bytes: Uint8Array, file: string, timeZone: string): Promise<ZReportFile> {
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch (cause) {
    throw new FormatError({ file, offset: 0 }, 'this is not a readable Excel workbook', { expected: 'an .xlsx file', cause });
  }
  const sheet = workbook.worksheets[0];
  if (sheet === undefined) throw new FormatError({ file, offset: 0 }, 'the workbook has no worksheet', { expected: 'a worksheet of Z reports' });
  const rows: Array<{ cells: string[]; line: number }> = [];
  sheet.eachRow({ includeEmpty: false }, (row, line) => {
    const values = Array.isArray(row.values) ? row.values.slice(1) : [];
    rows.push({ cells: values.map((v) => cellText(v)), line });
  });
  const [header, ...body] = rows;
  if (header === undefined) throw new FormatError({ file, line: 1 }, 'the worksheet is empty', { expected: 'a heading row and one row per Z report' });
  const reports = body.map((row) => readReport(rowRaw(header.cells, row.cells, row.line), { file, timeZone, decimal: { decimalSeparator: '.' } }));
  return done('xlsx', reports, file, undefined);
}

function rowRaw(header: readonly string[], cells: readonly string[], line: number): RawReport {
  const fields = new Map<ZField, { value: string; column: string }>();
  const tenders: Array<[string, string]> = [];
  header.forEach((heading, i) => {
    const meaning = headerMeaning(heading);
    const value = cells[i] ?? '';
    if (meaning.kind === 'field') fields.set(meaning.field, { value, column: heading.trim() });
    else if (meaning.kind === 'tender') tenders.push([meaning.name, value]);
  });
  return {
    line,
    tenders,
    get: (field) => fields.get(field)?.value,
    fieldName: (field) =>
      field.startsWith('tender ')
        ? `column "tender_${field.slice(7)}"`
        : `column "${fields.get(field as ZField)?.column ?? field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}"`,
  };
}

function done(encoding: ZReportEncoding, reports: ZReport[], file: string, warning: string | undefined): ZReportFile {
  if (reports.length === 0) throw new FormatError({ file, line: 1 }, 'the file holds no Z report', { expected: 'at least one report' });
  return { format: 'zreport', encoding, reports, warnings: warning === undefined ? [] : [warning] };
}

/** Excel cells → the text a person sees; numbers with up to 15 significant digits (what Excel shows). */
function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: 15 }) : '';
  if (typeof value === 'boolean') return String(value);
  // exceljs gives a date-time as the wall clock shown in Excel, stored as UTC.
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$|Z$/, '');
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('result' in value) return cellText(value.result);
  if ('text' in value && typeof value.text === 'string') return value.text;
  return '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}
