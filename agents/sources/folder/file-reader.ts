/**
 * Reads one ready file: its fingerprint, what it is (bank statement or Z report, by content unless
 * the source says), and the parsed, checked content, or the reason it cannot be accepted. Bad files
 * are expected and never throw; only an unreadable path does (the caller tries again later).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FormatError, parseFile, type CheckResult, type ParseOptions, type ParseReport } from '../../formats/index.ts';
import { looksLikeZip } from '../../formats/zip/read-zip.ts';
import { checkZReports, detectZReport, parseZReport, type ZReportFile } from '../../formats/zreport/index.ts';
import type { Rejection } from './sidecar-text.ts';

export type FileKind = 'bank' | 'zreport';

export type ReadOutcome =
  | { kind: 'bank'; report: ParseReport }
  | { kind: 'zreport'; file: ZReportFile; checks: CheckResult[]; warnings: string[] }
  | { kind: 'rejected'; fileKind: FileKind; rejection: Rejection };

export interface FileReaderOptions {
  kind: 'auto' | FileKind;
  parse: ParseOptions;
  timeZone: string;
}

const HEAD_BYTES = 64 * 1024;
/** Workbooks are small; above this a zip is a bank archive and is not opened just to look. */
const MAX_SNIFF_ZIP = 20 * 1024 * 1024;

export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Bank statement or Z report, by content (a Z report names its register and Z number). */
export async function classify(file: string, kind: FileReaderOptions['kind']): Promise<FileKind> {
  if (kind !== 'auto') return kind;
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (looksLikeZip(head)) {
    const size = (await stat(file)).size;
    return size <= MAX_SNIFF_ZIP && detectZReport(await readFile(file)) !== undefined ? 'zreport' : 'bank';
  }
  return detectZReport(head) === undefined ? 'bank' : 'zreport';
}

export async function readIncomingFile(file: string, fileKind: FileKind, options: FileReaderOptions): Promise<ReadOutcome> {
  if (fileKind === 'bank') {
    const report = await parseFile(file, options.parse);
    if (report.error !== undefined) {
      const e = report.error;
      return { kind: 'rejected', fileKind, rejection: { reason: e.message, ...pick(e), ...(e.hint === undefined ? {} : { hint: e.hint }) } };
    }
    const failed = report.checks.filter((c) => c.status === 'failed');
    if (failed.length > 0) {
      return {
        kind: 'rejected',
        fileKind,
        rejection: {
          reason: `${failed.length === 1 ? 'A check failed' : `${failed.length} checks failed`}: ${failed.map((c) => `${c.name}: ${c.message}`).join(' ')}`,
          checks: report.checks,
          hint: 'Download the statement again from e-banking; if it still does not add up, ask the bank.',
        },
      };
    }
    return { kind: 'bank', report };
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

function pick(e: { line?: number | undefined; offset?: number | undefined; field?: string | undefined }): Pick<Rejection, 'line' | 'offset' | 'field'> {
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
