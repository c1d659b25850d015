import { Buffer, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CamtStreamParser, xmlDeclaredEncoding } from './camt/parse-camt.ts';
import { checkBalanceTotals, checkControlTotal, type StatementHeader } from './checks.ts';
import { CsvStreamParser } from './csv/parse-csv.ts';
import { detectFormat } from './detect.ts';
import { readHead } from './read-head.ts';
import type { EntrySink } from './entry-sink.ts';
import { EntryTotals } from './entry-totals.ts';
import type { ParseReport } from './parse-file.ts';
import { FormatError } from './format-error.ts';
import type { CheckResult, ParsedFile } from './model.ts';
import { parseStatementBytes, type ParseOptions } from './parse-bytes.ts';
import { sequenceWarnings } from './sequence.ts';
import { detectBom } from './text-decode.ts';

/** A statement as the streamed report gives it: no entries, their count and exact sum instead. */
export interface StatementSummary extends StatementHeader {
  entryCount: number;
  /** Exact sum of the entries' amounts. */
  movement: string;
}

/** parseFile's report without the entries (they went to `onEntry`). */
export interface StreamReport extends Omit<ParseReport, 'statements'> {
  statements: StatementSummary[];
  /** Entries handed to `onEntry`. */
  entries: number;
}

export interface StreamOptions extends ParseOptions, EntrySink {
  /**
   * Awaited after each 32 KiB piece of the file has been parsed, so a consumer that
   * batches entries (into the outbox, say) can flush and slow the reading down.
   */
  afterChunk?: () => void | Promise<void>;
}

/** Same as parse-file.ts: smaller files are parsed in memory (UTF-16 sniffing and all), then handed out. */
const STREAM_FROM_BYTES = 8 * 1024 * 1024;
const CHUNK_BYTES = 32 * 1024;
/** Bytes per read of the file (held off the JS heap); decoded and parsed CHUNK_BYTES at a time. */
const READ_BYTES = 8 * CHUNK_BYTES;

/**
 * parseFile for files of any size: the same detection, decoding, checks and warnings, but every
 * entry goes to `onEntry` as soon as it is parsed and is not kept, so memory stays bounded by a
 * chunk of the file plus per-statement totals (and the dedupe keyer's per-entry digests) however
 * large the file. Balances are checked from running exact sums.
 *
 * Entries are handed out before the file has been read to the end: only a report with `accepted`
 * makes them good to send. A bad or unreadable file never throws (the reason is in `error`); a
 * throw from `onEntry`/`onStatement`/`afterChunk` ends the parse and is passed on.
 */
export async function parseFileStreaming(path: string, options: StreamOptions): Promise<StreamReport> {
  const name = basename(path);
  const report: StreamReport = { file: path, sha256: '', bytes: 0, format: 'unknown', statements: [], entries: 0, checks: [], warnings: [], accepted: false };
  let entries = 0;
  const sink: EntrySink = {
    onEntry: (entry, index) => {
      entries += 1;
      options.onEntry(entry, index);
    },
    ...(options.onStatement === undefined ? {} : { onStatement: options.onStatement }),
  };
  let parsed: ParsedFile;
  let totals: EntryTotals[];
  try {
    const size = (await stat(path)).size;
    report.bytes = size;
    const head = await readHead(path);
    const kind = detectFormat(head)?.kind;
    if (size >= STREAM_FROM_BYTES && (kind === 'camt' || kind === 'csv')) {
      const streamed = await streamFile(path, name, kind, head, options, sink);
      ({ parsed, totals } = streamed);
      report.sha256 = streamed.sha256;
    } else {
      const bytes = await readFile(path);
      report.sha256 = createHash('sha256').update(bytes).digest('hex');
      parsed = await parseStatementBytes(bytes, name, options);
      totals = handOut(parsed, sink);
    }
  } catch (error) {
    if (error instanceof FormatError) {
      report.error = { code: error.code, message: error.message };
      if (error.hint !== undefined) report.error.hint = error.hint;
      if (error.line !== undefined) report.error.line = error.line;
      if (error.offset !== undefined) report.error.offset = error.offset;
      if (error.field !== undefined) report.error.field = error.field;
      report.entries = entries;
      return report;
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' || code === 'EPERM' ? 'access is denied' : code;
      report.error = { code: 'file_unreadable', message: `${name} cannot be read: ${why}.`, hint: 'Check the path and that the agent may read the file.' };
      report.entries = entries;
      return report;
    }
    throw error;
  }
  report.format = parsed.format;
  report.entries = entries;
  report.statements = parsed.statements.map((statement, i) => {
    const sums = totals[i] ?? new EntryTotals();
    const { entries: _kept, ...header } = statement;
    return { ...header, entryCount: sums.count, movement: sums.movement() };
  });
  const checks: CheckResult[] = parsed.statements.map((statement, i) => checkBalanceTotals(statement, totals[i] ?? new EntryTotals()));
  report.checks = [...checks, ...(parsed.controlTotals ?? []).map(checkControlTotal)];
  report.warnings = [...parsed.warnings, ...parsed.statements.flatMap((s) => s.warnings), ...sequenceWarnings(parsed.statements)];
  report.accepted = report.checks.every((c) => c.status !== 'failed');
  return report;
}

/** A file parsed in memory: its entries go out one by one and are dropped from the statements. */
function handOut(parsed: ParsedFile, sink: EntrySink): EntryTotals[] {
  return parsed.statements.map((statement, index) => {
    const { entries, ...header } = statement;
    sink.onStatement?.(header, index);
    const totals = EntryTotals.of(entries);
    for (const entry of entries) sink.onEntry(entry, index);
    statement.entries = [];
    return totals;
  });
}

/**
 * Decodes as parse-file.ts does (BOM, XML declaration, CSV profile, else UTF-8 with a code-page
 * fallback). Entries already handed out cannot be taken back, so whether an undeclared file is
 * really UTF-8 is found out first, by a quick validating pass over the bytes (no decoding).
 */
async function streamFile(
  path: string,
  file: string,
  kind: 'camt' | 'csv',
  head: Uint8Array,
  options: StreamOptions,
  sink: EntrySink,
): Promise<{ parsed: ParsedFile; totals: EntryTotals[]; sha256: string }> {
  const bom = detectBom(head)?.encoding;
  const declared = kind === 'camt' ? knownLabel(xmlDeclaredEncoding(new TextDecoder('latin1').decode(head.subarray(0, 200)))) : undefined;
  const configured = kind === 'csv' && options.profile !== undefined && options.profile.encoding !== 'auto' ? options.profile.encoding : undefined;
  const fallback = kind === 'csv' ? (options.profile?.fallbackEncoding ?? 'windows-1252') : 'windows-1252';
  let encoding = configured ?? bom ?? declared ?? 'utf-8';
  let warning: string | undefined;
  if (encoding === 'utf-8' && configured === undefined && !(await isUtf8File(path))) {
    encoding = fallback;
    warning = `The file is not valid UTF-8; it was read as ${fallback}.`;
  }
  const hash = createHash('sha256');
  const decoder = new TextDecoder(encoding);
  const parser =
    kind === 'camt'
      ? new CamtStreamParser({ file }, sink)
      : new CsvStreamParser({
          file,
          sink,
          ...(options.profile === undefined ? {} : { profile: options.profile }),
          ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
        });
  // Read in larger pieces than are parsed: each read is a round trip through libuv's thread pool,
  // and on a busy machine waiting for a pool thread 3,200 times per 100 MB cost more than the parse.
  for await (const bytes of readPieces(path)) {
    hash.update(bytes);
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
      parser.push(decoder.decode(bytes.subarray(at, at + CHUNK_BYTES), { stream: true }));
      if (options.afterChunk !== undefined) await options.afterChunk();
      // A turn of the event loop per piece, as a read stream gave: V8 finishes its garbage
      // collection steps there, and without them a CSV peaked ~20 MiB higher.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  parser.push(decoder.decode());
  const parsed = parser.end();
  if (warning !== undefined) parsed.warnings.unshift(warning);
  return { parsed, totals: parser.entryTotals(), sha256: hash.digest('hex') };
}

/**
 * The file READ_BYTES at a time, into one buffer reused for every read: each piece is valid only
 * until the next is asked for (hashing and decoding copy it). A new buffer per read, as a read
 * stream allocates, left up to ~40 MiB of dead buffers waiting for the collector.
 */
async function* readPieces(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  // Two buffers: the next read runs while the current piece is parsed.
  const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
  let which = 0;
  let next = handle.read(buffers[0] ?? Buffer.alloc(0), 0, READ_BYTES, null);
  try {
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) return;
      which ^= 1;
      next = handle.read(buffers[which] ?? Buffer.alloc(0), 0, READ_BYTES, null);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await next.catch(() => undefined);
    await handle.close();
  }
}

/** Validates UTF-8 chunk by chunk, carrying a sequence cut at a chunk's end over to the next. */
async function isUtf8File(path: string): Promise<boolean> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of readPieces(path)) {
    const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const cut = completeLength(bytes);
    if (!isUtf8(bytes.subarray(0, cut))) return false;
    carry = Buffer.from(bytes.subarray(cut));
  }
  return carry.length === 0 || isUtf8(carry);
}

/** The length of `bytes` without a multi-byte sequence that is cut off at the end. */
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  for (let back = 1; back <= 4 && back <= n; back += 1) {
    const byte = bytes[n - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

function knownLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

