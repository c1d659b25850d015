import type { EntrySink } from '../entry-sink.ts';
import type { EntryTotals } from '../entry-totals.ts';
import { FormatError, type ParseContext } from '../format-error.ts';
import type { ParsedFile } from '../model.ts';
import { decodeText } from '../text-decode.ts';
import { BUILTIN_CSV_PROFILES } from './builtin-profiles.ts';
import type { CsvProfile } from './profile.ts';
import { RowMapper, type SheetRow } from './row-mapper.ts';
import { CsvTokenizer } from './tokenizer.ts';

export interface CsvOptions extends ParseContext {
  /** The profile to use; when absent, the built-in profiles are tried against the header. */
  profile?: CsvProfile;
  /** Profiles to try when none is given (default: the built-in ones). */
  profiles?: readonly CsvProfile[];
  /** Entries go here as they are read instead of into the statements (CsvStreamParser only). */
  sink?: EntrySink;
}

const DETECT_CHARS = 64 * 1024;
const DETECT_ROWS = 60;
const DELIMITERS = [';', ',', '\t', '|'] as const;

/** Text in, statements out, in pieces of any size: memory holds the entries, not the file. */
export class CsvStreamParser {
  private readonly options: CsvOptions;
  private head = '';
  private tokenizer: CsvTokenizer | undefined;
  private mapper: RowMapper | undefined;
  private profileName = '';

  constructor(options: CsvOptions) {
    this.options = options;
  }

  push(text: string): void {
    if (this.tokenizer === undefined) {
      this.head += text;
      if (this.head.length < DETECT_CHARS) return;
      this.start(false);
    } else this.feed(this.tokenizer.push(text));
  }

  /** After end(), with a sink: each statement's entry totals, in the order of its statements. */
  entryTotals(): EntryTotals[] {
    return this.mapper?.entryTotals() ?? [];
  }

  end(): ParsedFile {
    if (this.tokenizer === undefined) this.start(true);
    const tokenizer = this.tokenizer;
    const mapper = this.mapper;
    if (tokenizer === undefined || mapper === undefined) throw new Error('CSV parser was not started');
    this.feed(tokenizer.end());
    const parsed = mapper.end();
    return { ...parsed, warnings: [`Read with the "${this.profileName}" profile.`, ...parsed.warnings] };
  }

  private start(complete: boolean): void {
    const { file } = this.options;
    // Before detection, which would only say that no profile fits: a NUL byte is named as such.
    if (this.head.includes('\0')) new CsvTokenizer({ delimiter: ',', file }).push(this.head.slice(0, this.head.indexOf('\0') + 1));
    // Detection looks at the head only: the whole text may have been pushed at once.
    const head = this.head.length > DETECT_CHARS ? this.head.slice(0, DETECT_CHARS) : this.head;
    const profile = this.options.profile ?? detectCsvProfile(head, file, this.options.profiles ?? BUILTIN_CSV_PROFILES, complete && head === this.head);
    if (profile === undefined) {
      // A structural problem (a runaway cell, a row of thousands of cells) says more than "no profile fits".
      new CsvTokenizer({ delimiter: guessDelimiter(head), file }).push(head);
      const firstLine = this.head.split(/\r\n|\r|\n/).find((l) => l.trim() !== '') ?? '';
      throw new FormatError({ file, line: 1 }, `no CSV profile fits this file (first line: "${firstLine.slice(0, 80)}")`, {
        expected: `one of the known exports (${(this.options.profiles ?? BUILTIN_CSV_PROFILES).map((p) => p.name).join(', ')}) or a profile given with the file`,
        hint: '`tya-agent parse FILE` proposes a profile for this export (--save-profile keeps it); pass it with --profile or put it in the folder source config (docs/bank-csv.md).',
      });
    }
    this.profileName = profile.name;
    const delimiter = profile.delimiter ?? guessDelimiter(head);
    this.tokenizer = new CsvTokenizer({ delimiter, quote: profile.quote, file });
    this.mapper = new RowMapper(profile, { file, format: 'csv', ...(this.options.sink === undefined ? {} : { sink: this.options.sink }) });
    const text = this.head;
    this.head = '';
    this.feed(this.tokenizer.push(text));
  }

  private feed(rows: SheetRow[]): void {
    for (const row of rows) this.mapper?.row(row);
  }
}

/** The first profile whose header (or row shape) fits the beginning of the file. */
export function detectCsvProfile(head: string, file: string, profiles: readonly CsvProfile[], complete = false): CsvProfile | undefined {
  const rowsByDelimiter = new Map<string, SheetRow[]>();
  const rowsFor = (profile: CsvProfile): SheetRow[] => {
    const delimiter = profile.delimiter ?? guessDelimiter(head);
    const key = `${delimiter}${profile.quote}`;
    let rows = rowsByDelimiter.get(key);
    if (rows === undefined) {
      const tokenizer = new CsvTokenizer({ delimiter, quote: profile.quote, file });
      try {
        rows = tokenizer.push(head);
        if (complete) rows.push(...tokenizer.end());
      } catch {
        rows = [];
      }
      rows = rows.filter((r) => r.cells.some((c) => c.trim() !== '')).slice(0, DETECT_ROWS);
      rowsByDelimiter.set(key, rows);
    }
    return rows;
  };
  return profiles.find((profile) => matches(profile, rowsFor(profile)));
}

export function matchesProfile(profile: CsvProfile, rows: SheetRow[]): boolean {
  return matches(profile, rows.filter((r) => r.cells.some((c) => c.trim() !== '')).slice(0, DETECT_ROWS));
}

function matches(profile: CsvProfile, rows: SheetRow[]): boolean {
  if (profile.hasHeader) {
    if (profile.headerSignature.length === 0) return false;
    const wanted = profile.headerSignature.map(normalize);
    return rows.some((r) => {
      const cells = new Set(r.cells.map(normalize));
      return wanted.every((w) => cells.has(w));
    });
  }
  const pattern = profile.rowPattern;
  if (pattern === undefined || rows.length === 0) return false;
  const regexes = pattern.map((p) => (p === '' ? undefined : new RegExp(p)));
  return rows.slice(0, 3).every((r) => r.cells.length === regexes.length && regexes.every((re, i) => re === undefined || re.test((r.cells[i] ?? '').trim())));
}

/** The delimiter that splits the first lines into the same number of cells most often. */
export function guessDelimiter(head: string): string {
  const lines = head.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '').slice(0, 20);
  let best: string = ',';
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => l.split(d).length - 1);
    const first = counts[0] ?? 0;
    const score = first === 0 ? 0 : counts.filter((c) => c === first).length * first;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** A whole CSV file in memory → statements. */
export function parseCsv(input: Uint8Array | string, options: CsvOptions): ParsedFile {
  const warnings: string[] = [];
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const decoded = decodeText(input, {
      file: options.file,
      encoding: options.profile?.encoding ?? 'auto',
      fallback: options.profile?.fallbackEncoding ?? 'windows-1252',
    });
    text = decoded.text;
    if (decoded.warning !== undefined) warnings.push(decoded.warning);
  }
  const parser = new CsvStreamParser(options);
  parser.push(text);
  const parsed = parser.end();
  return { ...parsed, warnings: [...warnings, ...parsed.warnings] };
}

function normalize(text: string): string {
  return text.normalize('NFC').trim().toLowerCase();
}
