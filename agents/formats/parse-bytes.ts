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
import { readZip } from './zip/read-zip.ts';

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
  const entries = readZip(bytes, file);
  if (entries.some((e) => e.name === '[Content_Types].xml') && entries.some((e) => e.name.startsWith('xl/'))) {
    return parseXlsx(bytes, { ...csvOptions(file, options), ...(options.sheet === undefined ? {} : { sheet: options.sheet }) });
  }
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
