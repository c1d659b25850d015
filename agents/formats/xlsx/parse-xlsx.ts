import type ExcelJS from 'exceljs';
import { FormatError, type ParseContext } from '../format-error.ts';
import type { ParsedFile } from '../model.ts';
import { BUILTIN_CSV_PROFILES } from '../csv/builtin-profiles.ts';
import { matchesProfile } from '../csv/parse-csv.ts';
import type { CsvProfile } from '../csv/profile.ts';
import { RowMapper, type SheetRow } from '../csv/row-mapper.ts';
import { looksLikeZip, readZip, storedZip } from '../zip/read-zip.ts';

export interface XlsxOptions extends ParseContext {
  profile?: CsvProfile;
  profiles?: readonly CsvProfile[];
  /** Worksheet name; the first worksheet by default. */
  sheet?: string;
}

type Style = Pick<CsvProfile, 'decimalSeparator' | 'dateFormat'>;
const RAW_STYLE: Style = { decimalSeparator: '.', dateFormat: 'YYYY-MM-DD' };

/**
 * Excel workbooks (.xlsx) through exceljs, with the same column-mapping profiles as CSV: each cell
 * becomes the text the profile expects (numbers with its decimal separator, dates in its date
 * format), then the CSV row mapper reads it. Line numbers in errors are worksheet row numbers.
 */
export async function parseXlsx(input: Uint8Array, options: XlsxOptions): Promise<ParsedFile> {
  // Unpacked once, here, within the budget (100 times the file, at most 512 MiB; a recorded size that
  // lies stops the inflater at that size), then handed to exceljs uncompressed (issue 10).
  const unpacked = looksLikeZip(input) ? storedZip(readZip(input, options.file)) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  // Loaded when a workbook comes: exceljs alone takes most of a second to load (the reading worker starts faster).
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.load(unpacked as unknown as ExcelJS.Buffer);
  } catch (cause) {
    throw new FormatError({ file: options.file, offset: 0 }, 'this is not a readable Excel workbook', {
      expected: 'an .xlsx file (Office Open XML); older .xls files must be saved as .xlsx or CSV first',
      cause,
    });
  }
  const sheet = options.sheet === undefined ? workbook.worksheets[0] : workbook.getWorksheet(options.sheet);
  if (sheet === undefined) {
    throw new FormatError({ file: options.file, offset: 0, field: options.sheet ?? 'worksheet' }, options.sheet === undefined ? 'the workbook has no worksheet' : `the workbook has no worksheet "${options.sheet}"`, {
      expected: `one of: ${workbook.worksheets.map((w) => w.name).join(', ') || 'a worksheet with the statement'}`,
    });
  }
  const raw: ExcelJS.CellValue[][] = [];
  const lines: number[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = Array.isArray(row.values) ? row.values.slice(1) : [];
    raw.push(values);
    lines.push(rowNumber);
  });
  const rows = (style: Style): SheetRow[] => raw.map((values, i) => ({ cells: values.map((v) => cellText(v, style)), line: lines[i] ?? i + 1 }));
  const profile = options.profile ?? (options.profiles ?? BUILTIN_CSV_PROFILES).find((p) => matchesProfile(p, rows(RAW_STYLE)));
  if (profile === undefined) {
    throw new FormatError({ file: options.file, line: lines[0] ?? 1 }, `no profile fits this worksheet (first row: "${rows(RAW_STYLE)[0]?.cells.join(' | ').slice(0, 80) ?? ''}")`, {
      expected: 'one of the known exports or a profile given with the file',
      hint: 'Write a profile for this export (columns, date format) and pass it with --profile or in the folder source config.',
    });
  }
  const mapper = new RowMapper(profile, { file: options.file, format: 'xlsx' });
  for (const row of rows(profile)) mapper.row(row);
  const parsed = mapper.end();
  return { ...parsed, warnings: [`Read worksheet "${sheet.name}" with the "${profile.name}" profile.`, ...parsed.warnings] };
}

function cellText(value: ExcelJS.CellValue | undefined, style: Style): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value, style);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return dateText(value, style.dateFormat);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('result' in value) return cellText(value.result, style);
  if ('text' in value) return typeof value.text === 'string' ? value.text : '';
  if ('error' in value) return '';
  return '';
}

/**
 * Excel stores numbers as doubles and shows at most 15 significant digits; rounding to 15 gives back
 * the decimal the person typed (0.1 + 0.2 stored as 0.30000000000000004 is shown, and meant, as 0.3).
 */
function numberText(value: number, style: Style): string {
  if (!Number.isFinite(value)) return '';
  const text = value.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: 15 });
  return style.decimalSeparator === ',' ? text.replace('.', ',') : text;
}

/** exceljs gives dates as UTC midnight of the calendar day shown in Excel. */
function dateText(date: Date, format: string): string {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  const values: Record<string, string> = {
    YYYY: String(y).padStart(4, '0'),
    YY: String(y % 100).padStart(2, '0'),
    MM: String(m).padStart(2, '0'),
    M: String(m),
    DD: String(d).padStart(2, '0'),
    D: String(d),
  };
  let out = '';
  for (let rest = format; rest.length > 0; ) {
    const token = ['YYYY', 'YY', 'MM', 'M', 'DD', 'D'].find((t) => rest.startsWith(t));
    if (token === undefined) {
      out += rest[0] ?? '';
      rest = rest.slice(1);
    } else {
      out += values[token] ?? '';
      rest = rest.slice(token.length);
    }
  }
  return out;
}
