import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUILTIN_CSV_PROFILES, CsvProfileSchema, DETECT_BYTES, decodeText, detectCsvLayout, detectCsvProfile, detectFormat, FormatError, type CsvDetection, type CsvDetectionHints, type CsvProfile } from '../../formats/index.ts';
import { readHead } from '../../formats/read-head.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** What `parse` decided for a CSV given without a profile. */
export type CsvProposal =
  | { kind: 'builtin'; profile: CsvProfile }
  | { kind: 'detected'; detection: CsvDetection }
  | { kind: 'refused'; error: FormatError };

export interface DetectionOptions {
  dateFormat?: string;
  decimalSeparator?: string;
  currency?: string;
  encoding?: string;
  saveProfile?: string;
}

/**
 * For a CSV file without `--profile`: the built-in profile that fits its header, or else a proposed
 * profile with its evidence. Undefined when the file is not CSV (the ordinary parse handles it).
 */
export async function proposeCsvProfile(file: string, options: DetectionOptions): Promise<CsvProposal | undefined> {
  const head = await readHead(file);
  if (detectFormat(head)?.kind !== 'csv') return undefined;
  const name = path.basename(file);
  const text = decodeText(head, { file: name }).text;
  const builtin = detectCsvProfile(text.slice(0, DETECT_BYTES), name, BUILTIN_CSV_PROFILES, head.length < DETECT_BYTES);
  if (builtin !== undefined) return { kind: 'builtin', profile: builtin };
  const size = (await stat(file)).size;
  const bytes = size < DETECT_BYTES ? await readFile(file) : head;
  try {
    const profileName = slug(path.basename(options.saveProfile ?? file).replace(/\.[^.]*$/, ''));
    return { kind: 'detected', detection: detectCsvLayout(bytes, { file: name, name: profileName, hints: hintsFrom(options), complete: size < DETECT_BYTES }) };
  } catch (error) {
    if (error instanceof FormatError) return { kind: 'refused', error };
    throw error;
  }
}

/** The command-line options that settle what a file leaves open, checked before anything is read. */
export function hintsFrom(options: DetectionOptions): CsvDetectionHints {
  const hints: CsvDetectionHints = {};
  if (options.dateFormat !== undefined) {
    const checked = CsvProfileSchema.shape.dateFormat.safeParse(options.dateFormat);
    if (!checked.success) throw new CliError(ExitCode.usage, 'date_format_invalid', `--date-format "${options.dateFormat}" is not a date format.`, { hint: 'Use the tokens YYYY, YY, MM, M, DD, D and separators, e.g. DD/MM/YYYY or M/D/YY.' });
    hints.dateFormat = checked.data;
  }
  if (options.decimalSeparator !== undefined) {
    if (options.decimalSeparator !== '.' && options.decimalSeparator !== ',') throw new CliError(ExitCode.usage, 'decimal_separator_invalid', `--decimal-separator must be "." or ",", not "${options.decimalSeparator}".`);
    hints.decimalSeparator = options.decimalSeparator;
  }
  if (options.currency !== undefined) {
    if (!/^[A-Za-z]{3}$/.test(options.currency)) throw new CliError(ExitCode.usage, 'currency_invalid', `--currency "${options.currency}" is not an ISO 4217 code.`, { hint: 'Use a three-letter code such as EUR, GBP or USD.' });
    hints.currency = options.currency.toUpperCase();
  }
  if (options.encoding !== undefined) {
    try {
      new TextDecoder(options.encoding);
    } catch {
      throw new CliError(ExitCode.usage, 'encoding_invalid', `--encoding "${options.encoding}" is not an encoding this agent knows.`, { hint: 'Use a label such as utf-8, windows-1252, windows-1250, windows-1257 or iso-8859-15.' });
    }
    hints.encoding = options.encoding;
  }
  return hints;
}

/** Writes a profile where `parse --profile` (and a folder source's csvProfile) reads it back. */
export async function saveProfile(target: string, profile: CsvProfile): Promise<void> {
  if (!target.toLowerCase().endsWith('.json')) {
    throw new CliError(ExitCode.usage, 'profile_path_invalid', `--save-profile ${target}: the file name must end in .json, so that --profile reads it back.`);
  }
  await writeFile(target, `${JSON.stringify(profile, null, 2)}\n`, 'utf8');
}

function slug(text: string): string {
  return (
    text
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'detected'
  );
}
