import { parseBai2 } from './bai2/parse-bai2.ts';
import { parseCamt } from './camt/parse-camt.ts';
import { parseCsv } from './csv/parse-csv.ts';
import type { CsvProfile } from './csv/profile.ts';
import { DETECT_BYTES, detectFormat } from './detect.ts';
import { FormatError } from './format-error.ts';
import type { ParsedFile } from './model.ts';
import { parseMt940 } from './mt940/parse-mt940.ts';
import { parseOfx } from './ofx/parse-ofx.ts';
import { parseXlsx } from './xlsx/parse-xlsx.ts';
import { listZip, readZip } from './zip/read-zip.ts';

export interface ParseOptions {
  /** CSV/Excel: the column-mapping profile; found among the built-in ones when absent. */
  profile?: CsvProfile;
  /** CSV/Excel: profiles to try when none is given. */
  profiles?: readonly CsvProfile[];
  /** MT940/OFX/BAI2: code page for files that are not UTF-8 (CSV uses the profile's). */
  encoding?: string;
  /** Excel: worksheet name. */
  sheet?: string;
}

/** Any supported bank file in memory → statements, by its content. Expected failures are FormatErrors. */
export async function parseStatementBytes(bytes: Uint8Array, file: string, options: ParseOptions = {}): Promise<ParsedFile> {
  const detection = detectFormat(bytes.subarray(0, DETECT_BYTES));
  if (detection === undefined) {
    const nul = bytes.subarray(0, DETECT_BYTES).indexOf(0);
    if (nul !== -1 && isTextApartFromNul(bytes.subarray(0, DETECT_BYTES))) throw nulBytes(bytes, nul, file);
    throw new FormatError({ file, offset: 0 }, bytes.length === 0 ? 'the file is empty' : 'this is not a bank statement format the agent knows', {
      expected: 'OFX/QFX, CAMT.052/053/054, MT940/MT942, BAI2, CSV or Excel (.xlsx), or a zip of CAMT files',
    });
  }
  switch (detection.kind) {
    case 'camt':
      return parseCamt(bytes, { file });
    case 'ofx':
      return parseOfx(bytes, { file });
    case 'mt940':
      return parseMt940(bytes, options.encoding === undefined ? { file } : { file, encoding: options.encoding });
    case 'bai2':
      return parseBai2(bytes, { file });
    case 'csv':
      return parseCsv(bytes, csvOptions(file, options));
    case 'zip':
      return parseZip(bytes, file, options);
  }
}

function csvOptions(file: string, options: ParseOptions) {
  return {
    file,
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
  };
}

/** An Excel workbook, or an archive of statement files (banks zip several CAMT files into one download). */
async function parseZip(bytes: Uint8Array, file: string, options: ParseOptions): Promise<ParsedFile> {
  // The directory first (nothing unpacked): a workbook goes to the Excel reader, which unpacks it once.
  const listing = listZip(bytes, file);
  if (listing.some((e) => e.name === '[Content_Types].xml') && listing.some((e) => e.name.startsWith('xl/'))) {
    return parseXlsx(bytes, { ...csvOptions(file, options), ...(options.sheet === undefined ? {} : { sheet: options.sheet }) });
  }
  const entries = readZip(bytes, file);
  const files = entries.filter((e) => !e.name.startsWith('__MACOSX/') && !/(^|\/)\.[^/]*$/.test(e.name));
  const parts: ParsedFile[] = [];
  for (const entry of files) {
    const inner = `${file}!${entry.name}`;
    const kind = detectFormat(entry.data.subarray(0, DETECT_BYTES))?.kind;
    if (kind === 'zip') throw new FormatError({ file: inner, offset: 0 }, 'an archive inside the archive', { expected: 'statement files' });
    parts.push(await parseStatementBytes(entry.data, inner, options));
  }
  const first = parts[0];
  if (first === undefined) {
    throw new FormatError({ file, offset: 0 }, 'the zip archive holds no statement files', { expected: 'one or more CAMT/MT940/OFX/BAI2/CSV files' });
  }
  const warnings = parts.flatMap((p, i) => p.warnings.map((w) => `${files[i]?.name ?? ''}: ${w}`));
  const formats = new Set(parts.map((p) => p.format));
  if (formats.size > 1) warnings.push(`The archive mixes formats (${[...formats].join(', ')}); the report names the first.`);
  const controlTotals = parts.flatMap((p) => p.controlTotals ?? []);
  return {
    format: first.format,
    statements: parts.flatMap((p) => p.statements),
    warnings,
    ...(controlTotals.length > 0 ? { controlTotals } : {}),
  };
}

/** A text-like file full of NUL bytes gets that said, with where the first one is (issue 10). */
export function nulBytes(bytes: Uint8Array, at: number, file: string): FormatError {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < at; i = bytes.indexOf(10, i + 1)) line += 1;
  let count = 0;
  const sample = bytes.subarray(0, DETECT_BYTES);
  for (let i = sample.indexOf(0); i !== -1; i = sample.indexOf(0, i + 1)) count += 1;
  return new FormatError({ file, line, offset: at }, `the file contains NUL bytes (character 0; ${count} in its first ${Math.min(bytes.length, DETECT_BYTES)} bytes, the first at byte ${at}), which no bank statement has`, {
    expected: 'a text file (CSV, MT940, BAI2, OFX, CAMT XML) or an Excel/zip file',
    hint: 'The file may be damaged, or UTF-16 text without a byte order mark: export it again, as UTF-8 or the bank\'s code page.',
  });
}

/** Text with NUL bytes in it (a damaged export), as opposed to a binary file (an image, a PDF). */
function isTextApartFromNul(head: Uint8Array): boolean {
  let text = 0;
  let control = 0;
  for (const byte of head) {
    if (byte === 0) continue;
    text += 1;
    if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 13) control += 1;
  }
  return text > 0 && control <= text * 0.01;
}
