import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
  BUILTIN_CSV_PROFILES,
  builtinCsvProfile,
  CsvProfileSchema,
  FormatError,
  parseFile,
  type CsvDetection,
  type CsvProfile,
  type ParseOptions,
  type ParseReport,
} from '../../formats/index.ts';
import { checkZReports, parseZReport } from '../../formats/zreport/index.ts';
import { classify } from '../../sources/folder/file-reader.ts';
import { CliError } from '../cli-error.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { hintsFrom, proposeCsvProfile, saveProfile } from './parse-detect.ts';
import { describeProposal } from './parse-detect-output.ts';
import { describeBankReport, describeZReport, type ZParseReport } from './parse-output.ts';

export interface ParseCommandOptions {
  profile?: string;
  kind: 'auto' | 'bank' | 'zreport';
  encoding?: string;
  timeZone: string;
  json?: boolean;
  all?: boolean;
  /** CSV without a profile: where to write the proposed (or matching built-in) profile. */
  saveProfile?: string;
  /** CSV detection: settle what the file leaves open. */
  dateFormat?: string;
  decimalSeparator?: string;
  currency?: string;
}

/**
 * `tya-agent parse FILE`: reads a bank statement or shift-close file exactly as a watched folder
 * would, and prints what it found, the checks and the warnings, so IT can look at a file before
 * dropping it in. Exit 0 when the file would be accepted, 3 when it would be refused (and why).
 */
export async function parseCommand(file: string, options: ParseCommandOptions, io: CliIo): Promise<ExitCodeValue> {
  const parseOptions: ParseOptions = { ...(options.encoding === undefined ? {} : { encoding: options.encoding }) };
  if (options.profile !== undefined) parseOptions.profile = loadProfile(options.profile);
  const info = await stat(file).catch(() => null);
  if (info === null || !info.isFile()) {
    throw new CliError(ExitCode.usage, 'file_missing', `${file} is not a file that can be read.`, { hint: 'Check the path.' });
  }
  const kind = await classify(file, options.kind);
  if (kind === 'zreport') {
    const report = await parseZReportFile(file, options.timeZone);
    io.out(options.json ? JSON.stringify(report, null, 2) : describeZReport(report).join('\n'));
    return verdict(report, io);
  }
  let detection: CsvDetection | undefined;
  if (parseOptions.profile === undefined) {
    hintsFrom(options); // wrong hints are a usage error even when a built-in profile fits
    const proposal = await proposeCsvProfile(file, options);
    if (proposal?.kind === 'builtin') parseOptions.profile = proposal.profile;
    else if (proposal?.kind === 'refused') {
      const report = refusedReport(file, proposal.error);
      io.out(options.json ? JSON.stringify({ kind: 'bank', ...report }, null, 2) : describeBankReport(report, false).join('\n'));
      return verdict(report, io);
    } else if (proposal?.kind === 'detected') {
      detection = proposal.detection;
      if (detection.ambiguities.length > 0) return unsettled(file, detection, options, io);
      parseOptions.profile = detection.profile;
    }
  }
  if (options.saveProfile !== undefined) {
    if (parseOptions.profile === undefined) throw new CliError(ExitCode.usage, 'not_csv', `${file} is not a CSV file: --save-profile saves CSV profiles only.`);
    await saveProfile(options.saveProfile, parseOptions.profile);
  }
  const report = await parseFile(file, parseOptions);
  if (options.json) io.out(JSON.stringify({ kind: 'bank', ...(detection === undefined ? {} : { detection }), ...report }, null, 2));
  else {
    const lines = detection === undefined ? [] : describeProposal(path.basename(file), detection);
    if (options.saveProfile !== undefined) lines.push(`Profile "${parseOptions.profile?.name ?? ''}" saved to ${options.saveProfile}; read the file with it: tya-agent parse ${file} --profile ${options.saveProfile}`);
    io.out([...lines, ...describeBankReport(report, options.all === true)].join('\n'));
  }
  return verdict(report, io);
}

/** A proposal with open questions: shown with the options that settle them, and nothing parsed. */
function unsettled(file: string, detection: CsvDetection, options: ParseCommandOptions, io: CliIo): ExitCodeValue {
  const name = path.basename(file);
  io.out(options.json ? JSON.stringify({ kind: 'bank', file, format: 'csv', accepted: false, detection }, null, 2) : describeProposal(name, detection).join('\n'));
  for (const a of detection.ambiguities) io.err(`${name} was not parsed: ${a.field} is not settled (${a.reason}); settle it with ${a.settle.join(', ')}.`);
  if (options.saveProfile !== undefined) io.err(`The profile was not saved to ${options.saveProfile}: settle the questions above first.`);
  return ExitCode.incomplete;
}

/** The report of a CSV file whose layout could not be detected: why, with file, line and field. */
function refusedReport(file: string, error: FormatError): ParseReport {
  const report: ParseReport = { file, sha256: '', bytes: 0, format: 'unknown', statements: [], checks: [], warnings: [], accepted: false };
  report.error = { code: error.code, message: error.message };
  if (error.hint !== undefined) report.error.hint = error.hint;
  if (error.line !== undefined) report.error.line = error.line;
  if (error.field !== undefined) report.error.field = error.field;
  return report;
}

function verdict(report: { file: string; accepted: boolean; checks: Array<{ status: string; name: string; message: string }>; error?: { message: string; hint?: string } }, io: CliIo): ExitCodeValue {
  if (report.accepted) return ExitCode.ok;
  const name = path.basename(report.file);
  if (report.error !== undefined) {
    io.err(`${name} would be rejected: ${report.error.message}`);
    if (report.error.hint !== undefined) io.err(`What to do: ${report.error.hint}`);
  } else {
    for (const check of report.checks.filter((c) => c.status === 'failed')) io.err(`${name} would be rejected: ${check.name}: ${check.message}`);
  }
  return ExitCode.incomplete;
}

async function parseZReportFile(file: string, timeZone: string): Promise<ZParseReport> {
  const bytes = await readFile(file);
  const report: ZParseReport = {
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    kind: 'zreport',
    format: 'unknown',
    reports: [],
    checks: [],
    warnings: [],
    accepted: false,
  };
  try {
    const parsed = await parseZReport(bytes, { file: path.basename(file), timeZone });
    const { checks, warnings } = checkZReports(parsed.reports);
    Object.assign(report, { format: `zreport-${parsed.encoding}`, reports: parsed.reports, checks, warnings: [...parsed.warnings, ...warnings] });
    report.accepted = checks.every((c) => c.status !== 'failed');
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    report.error = { code: error.code, message: error.message };
    if (error.hint !== undefined) report.error.hint = error.hint;
    if (error.line !== undefined) report.error.line = error.line;
    if (error.offset !== undefined) report.error.offset = error.offset;
    if (error.field !== undefined) report.error.field = error.field;
  }
  return report;
}

/** A built-in profile by name, or a profile JSON file. */
function loadProfile(nameOrFile: string): CsvProfile {
  const builtin = builtinCsvProfile(nameOrFile);
  if (builtin !== undefined) return builtin;
  if (nameOrFile.toLowerCase().endsWith('.json') && existsSync(nameOrFile)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(nameOrFile, 'utf8'));
    } catch (error) {
      throw new CliError(ExitCode.usage, 'profile_invalid', `${nameOrFile} is not valid JSON (${(error as Error).message}).`);
    }
    const parsed = CsvProfileSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new CliError(ExitCode.usage, 'profile_invalid', `${nameOrFile} is not a valid CSV profile: ${problems}.`);
  }
  throw new CliError(ExitCode.usage, 'profile_unknown', `There is no CSV profile called "${nameOrFile}".`, {
    hint: `Built-in profiles: ${BUILTIN_CSV_PROFILES.map((p) => p.name).join(', ')}; or pass a profile JSON file.`,
  });
}
