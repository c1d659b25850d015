/**
 * Reads one ready file: its fingerprint, what it is (bank statement or Z report, by content unless
 * the source says), and the parsed, checked content, or the reason it cannot be accepted. Bad files
 * are expected and never throw; only an unreadable path does (the caller tries again later).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
// Each from its own module, not the formats index: this file runs in the reading worker, which
// must not load the profile schema's zod (lean memory, issue 10).
import { detectFormat } from '../../formats/detect.ts';
import { FormatError } from '../../formats/format-error.ts';
import type { CheckResult } from '../../formats/model.ts';
import type { ParseOptions } from '../../formats/parse-bytes.ts';
import { parseFile, type ParseReport } from '../../formats/parse-file.ts';
import { parseFileStreaming, type StreamReport } from '../../formats/parse-stream.ts';
import { looksLikeZip } from '../../formats/zip/read-zip.ts';
import { checkZReports, detectZReport, parseZReport, type ZReportFile } from '../../formats/zreport/index.ts';
import type { Rejection } from './sidecar-text.ts';
import { withCounters } from './spilling-counter.ts';

export type FileKind = 'bank' | 'zreport';

export type ReadOutcome =
  | { kind: 'bank'; report: ParseReport }
  /** A large file, checked without keeping its entries: they are read again, page by page, to be sent. */
  | { kind: 'bank-streamed'; report: StreamReport }
  | { kind: 'zreport'; file: ZReportFile; checks: CheckResult[]; warnings: string[] }
  | { kind: 'rejected'; fileKind: FileKind; rejection: Rejection };

export interface FileReaderOptions {
  kind: 'auto' | FileKind;
  parse: ParseOptions;
  timeZone: string;
}

const HEAD_BYTES = 64 * 1024;
/**
 * From this size a bank file's entries are not kept: it is checked in one pass and sent in another.
 * Kept entries cost about 0.9 KiB (CSV) to 1.7 KiB (CAMT) each, twice (in the reading worker and in
 * the copy the agent receives): at 8 MB a CSV took the agent to 211 MiB, at 1 MB it stays near idle.
 */
export const STREAM_ENTRIES_FROM_BYTES = 1024 * 1024;
/** Formats without a streaming parser (MT940, OFX, BAI2, Excel, zip) are read whole, up to this. */
const MAX_WHOLE_FILE_BYTES = 128 * 1024 * 1024;
/** Workbooks are small; above this a zip is a bank archive and is not opened just to look. */
const MAX_SNIFF_ZIP = 20 * 1024 * 1024;

export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Bank statement or Z report, by content (a Z report names its register and Z number). */
export async function classify(file: string, kind: FileReaderOptions['kind']): Promise<FileKind> {
  if (kind !== 'auto') return kind;
  const head = await readHead(file);
  if (looksLikeZip(head)) {
    const size = (await stat(file)).size;
    return size <= MAX_SNIFF_ZIP && detectZReport(await readFile(file)) !== undefined ? 'zreport' : 'bank';
  }
  return detectZReport(head) === undefined ? 'bank' : 'zreport';
}

export async function readIncomingFile(
  file: string,
  fileKind: FileKind,
  options: FileReaderOptions,
): Promise<ReadOutcome> {
  if (fileKind === 'bank') {
    const size = (await stat(file)).size;
    if (size < STREAM_ENTRIES_FROM_BYTES) {
      const report = await parseFile(file, options.parse);
      return bankRejection(report) ?? { kind: 'bank', report };
    }
    const detected = detectFormat(await readHead(file))?.kind;
    if (size > MAX_WHOLE_FILE_BYTES && detected !== 'camt' && detected !== 'csv') {
      return {
        kind: 'rejected',
        fileKind,
        rejection: {
          reason: `${path.basename(file)} is ${Math.round(size / (1024 * 1024))} MB: ${detected ?? 'a file of this kind'} is read in one piece, and at most ${MAX_WHOLE_FILE_BYTES / (1024 * 1024)} MB is (CAMT and CSV of any size are read as a stream)`,
          hint: 'Ask the bank for the statement as CAMT.053 or CSV, or for several smaller files.',
        },
      };
    }
    // The check pass is timed and keeps no keys: counters that stop growing (spilling-counter.ts).
    const report = await withCounters('check', () =>
      parseFileStreaming(file, { ...options.parse, onEntry: () => undefined }),
    );
    return bankRejection(report) ?? { kind: 'bank-streamed', report };
  }
  try {
    const parsed = await parseZReport(await readFile(file), { file: path.basename(file), timeZone: options.timeZone });
    const { checks, warnings } = checkZReports(parsed.reports);
    const failed = checks.filter((c) => c.status === 'failed');
    if (failed.length > 0) {
      return {
        kind: 'rejected',
        fileKind,
        rejection: {
          reason: `${failed.length === 1 ? 'A check failed' : `${failed.length} checks failed`}: ${failed.map((c) => c.message).join(' ')}`,
          checks,
          hint: 'Correct the shift-close report on the till (or export it again).',
        },
      };
    }
    return { kind: 'zreport', file: parsed, checks, warnings: [...parsed.warnings, ...warnings] };
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return {
      kind: 'rejected',
      fileKind,
      rejection: {
        reason: error.message,
        ...pick(error),
        ...(error.expected === undefined ? {} : { expected: error.expected }),
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      },
    };
  }
}

/** Why a parsed bank file cannot be accepted (unreadable, or a check failed), or undefined when it can. */
function bankRejection(report: Pick<ParseReport, 'error' | 'checks'>): ReadOutcome | undefined {
  if (report.error !== undefined) {
    const e = report.error;
    return {
      kind: 'rejected',
      fileKind: 'bank',
      rejection: { reason: e.message, ...pick(e), ...(e.hint === undefined ? {} : { hint: e.hint }) },
    };
  }
  const failed = report.checks.filter((c) => c.status === 'failed');
  if (failed.length === 0) return undefined;
  return {
    kind: 'rejected',
    fileKind: 'bank',
    rejection: {
      reason: `${failed.length === 1 ? 'A check failed' : `${failed.length} checks failed`}: ${failed.map((c) => `${c.name}: ${c.message}`).join(' ')}`,
      checks: report.checks,
      hint: 'Download the statement again from e-banking; if it still does not add up, ask the bank.',
    },
  };
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function pick(e: {
  line?: number | undefined;
  offset?: number | undefined;
  field?: string | undefined;
}): Pick<Rejection, 'line' | 'offset' | 'field'> {
  const out: Pick<Rejection, 'line' | 'offset' | 'field'> = {};
  if (e.line !== undefined) out.line = e.line;
  if (e.offset !== undefined) out.offset = e.offset;
  if (e.field !== undefined) out.field = e.field;
  return out;
}

/** For the upload's Content-Type. */
export function contentTypeOf(name: string, fileKind: FileKind, format: string): string {
  const ext = path.extname(name).toLowerCase();
  if (ext === '.xlsx') return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (ext === '.zip') return 'application/zip';
  if (format.startsWith('camt') || ext === '.xml') return 'application/xml';
  if (ext === '.json' || (fileKind === 'zreport' && format === 'json')) return 'application/json';
  if (format === 'csv' || ext === '.csv') return 'text/csv';
  if (format === 'ofx') return 'application/x-ofx';
  return 'text/plain';
}
