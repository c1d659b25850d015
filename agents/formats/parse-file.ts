import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CamtStreamParser, xmlDeclaredEncoding } from './camt/parse-camt.ts';
import { runChecks } from './checks.ts';
import { CsvStreamParser } from './csv/parse-csv.ts';
import { detectFormat } from './detect.ts';
import { readHead } from './read-head.ts';
import { FormatError } from './format-error.ts';
import type { CheckResult, FormatName, ParsedFile, Statement } from './model.ts';
import { parseStatementBytes, type ParseOptions } from './parse-bytes.ts';
import { sequenceWarnings } from './sequence.ts';
import { detectBom } from './text-decode.ts';

export interface ParseReport {
  /** The path as given. */
  file: string;
  sha256: string;
  bytes: number;
  format: FormatName | 'unknown';
  statements: Statement[];
  checks: CheckResult[];
  /** File warnings, each statement's warnings and sequence gaps inside the file. */
  warnings: string[];
  /** True when the file was read and no check failed: it may be sent. */
  accepted: boolean;
  error?: { code: string; message: string; hint?: string; line?: number; offset?: number; field?: string };
}

/** Above this size CAMT and CSV files are read as a stream instead of into one buffer. */
const STREAM_FROM_BYTES = 8 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a bank file, checks it and says whether it may be sent (the `parse FILE` command and the
 * folder source both use this). Never throws for a bad or unreadable file: the reason is in `error`.
 * Only a bug throws.
 */
export async function parseFile(path: string, options: ParseOptions = {}): Promise<ParseReport> {
  const name = basename(path);
  const report: ParseReport = { file: path, sha256: '', bytes: 0, format: 'unknown', statements: [], checks: [], warnings: [], accepted: false };
  let parsed: ParsedFile;
  try {
    const size = (await stat(path)).size;
    report.bytes = size;
    const head = await readHead(path);
    const kind = detectFormat(head)?.kind;
    if (size >= STREAM_FROM_BYTES && (kind === 'camt' || kind === 'csv')) {
      const streamed = await parseStreaming(path, name, kind, head, options);
      parsed = streamed.parsed;
      report.sha256 = streamed.sha256;
    } else {
      const bytes = await readFile(path);
      report.sha256 = createHash('sha256').update(bytes).digest('hex');
      parsed = await parseStatementBytes(bytes, name, options);
    }
  } catch (error) {
    if (error instanceof FormatError) {
      report.error = { code: error.code, message: error.message };
      if (error.hint !== undefined) report.error.hint = error.hint;
      if (error.line !== undefined) report.error.line = error.line;
      if (error.offset !== undefined) report.error.offset = error.offset;
      if (error.field !== undefined) report.error.field = error.field;
      return report;
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' || code === 'EPERM' ? 'access is denied' : code;
      report.error = { code: 'file_unreadable', message: `${name} cannot be read: ${why}.`, hint: 'Check the path and that the agent may read the file.' };
      return report;
    }
    throw error;
  }
  report.format = parsed.format;
  report.statements = parsed.statements;
  report.checks = runChecks(parsed);
  report.warnings = [...parsed.warnings, ...parsed.statements.flatMap((s) => s.warnings), ...sequenceWarnings(parsed.statements)];
  report.accepted = report.checks.every((c) => c.status !== 'failed');
  return report;
}

/**
 * Streams a large CAMT or CSV file through its incremental parser: memory holds the entries, never
 * the file. Text is decoded strictly as the file declares (BOM, XML declaration, CSV profile) or as
 * UTF-8; if that turns out wrong half-way, the file is read again in the fallback code page.
 */
async function parseStreaming(path: string, file: string, kind: 'camt' | 'csv', head: Uint8Array, options: ParseOptions): Promise<{ parsed: ParsedFile; sha256: string }> {
  const bom = detectBom(head)?.encoding;
  const declared = kind === 'camt' ? knownLabel(xmlDeclaredEncoding(new TextDecoder('latin1').decode(head.subarray(0, 200)))) : undefined;
  const configured = kind === 'csv' && options.profile !== undefined && options.profile.encoding !== 'auto' ? options.profile.encoding : undefined;
  const fallback = kind === 'csv' ? (options.profile?.fallbackEncoding ?? 'windows-1252') : 'windows-1252';
  const first = configured ?? bom ?? declared ?? 'utf-8';
  try {
    return await streamOnce(path, file, kind, first, first === 'utf-8', options);
  } catch (error) {
    if (!(error instanceof TypeError) || first !== 'utf-8' || configured !== undefined) throw error;
    const again = await streamOnce(path, file, kind, fallback, false, options);
    again.parsed.warnings.unshift(`The file is not valid UTF-8; it was read as ${fallback}.`);
    return again;
  }
}

async function streamOnce(
  path: string,
  file: string,
  kind: 'camt' | 'csv',
  encoding: string,
  fatal: boolean,
  options: ParseOptions,
): Promise<{ parsed: ParsedFile; sha256: string }> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder(encoding, { fatal });
  const parser =
    kind === 'camt'
      ? new CamtStreamParser({ file })
      : new CsvStreamParser({
          file,
          ...(options.profile === undefined ? {} : { profile: options.profile }),
          ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
        });
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    parser.push(decoder.decode(bytes, { stream: true }));
  }
  parser.push(decoder.decode());
  return { parsed: parser.end(), sha256: hash.digest('hex') };
}

function knownLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}
