import { EntryKeyer } from '../entry-key.ts';
import type { ParseContext } from '../format-error.ts';
import { EntryTotals } from '../entry-totals.ts';
import type { EntrySink } from '../entry-sink.ts';
import type { Entry, ParsedFile, Statement } from '../model.ts';
import { decodeText } from '../text-decode.ts';
import { mapEntry, mapStatementHeader, type CamtStatementHeader } from './camt-map.ts';
import { CamtScanner, type CamtChunk, type CamtMessageType } from './camt-scanner.ts';
import { parseXmlPiece } from './xml-node.ts';
import { CamtEntryReader } from './entry-reader.ts';
import { mapEntryFields } from './entry-fields-map.ts';
import { controlWarnings, hasControlCharacters, stripControlCharacters } from './xml-controls.ts';

/** Places with removed control characters that get a warning of their own; the rest are counted. */
const CONTROL_WARNINGS = 20;

const KNOWN_VERSIONS = new Set(['02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13']);

interface OpenStatement {
  header: CamtStatementHeader;
  entries: Entry[];
  /** Set when entries go to a sink instead of `entries`. */
  totals: EntryTotals | undefined;
  firstCurrency: string | undefined;
  /** Index for the sink, given when the statement is first handed out. */
  index: number;
  keyer: EntryKeyer;
  notBooked: number;
  line: number;
}

/**
 * CAMT.052/053/054 (ISO 20022, namespace versions .001.02 to .001.13) → statements. Text can be
 * pushed in pieces (parse-file.ts streams large files through it); memory holds the entries found
 * so far and at most one unfinished Ntry of the document.
 */
export class CamtStreamParser {
  private readonly file: string;
  private readonly scanner: CamtScanner;
  private type: CamtMessageType = 'camt.053';
  private readonly statements: Statement[] = [];
  private readonly warnings: string[] = [];
  private open: OpenStatement | undefined;
  private readonly sink: EntrySink | undefined;
  private readonly streamedTotals: EntryTotals[] = [];
  private announced = 0;
  private controlPlaces = 0;
  /**
   * False once any pushed text held a control character (or a reference to one): until then every
   * piece is known clean and is not searched again. A reference cut by a chunk's end is caught by
   * searching again from the last `&` of the previous chunk that had no `;` after it.
   */
  private cleanSoFar = true;
  private openReference = '';
  /** Reads the common entry without building a tree; the rest go through parseXmlPiece and mapEntry. */
  private readonly reader = new CamtEntryReader();

  /** With a sink, entries go to it as they are parsed and statements end up without entries. */
  constructor(context: ParseContext, sink?: EntrySink) {
    this.file = context.file;
    this.scanner = new CamtScanner(context.file);
    this.sink = sink;
  }

  /** With a sink: each statement's entry totals, in the order of `end().statements`. */
  entryTotals(): EntryTotals[] {
    return this.streamedTotals;
  }

  push(text: string): void {
    if (this.cleanSoFar) {
      const joined = this.openReference === '' ? text : this.openReference + text;
      if (hasControlCharacters(joined)) this.cleanSoFar = false;
      else {
        const amp = joined.lastIndexOf('&');
        this.openReference = amp !== -1 && joined.indexOf(';', amp) === -1 ? joined.slice(amp) : '';
        // An absurdly long open reference: every piece is searched again from here on instead.
        if (this.openReference.length > 4096) this.cleanSoFar = false;
      }
    }
    this.consume(this.scanner.push(text));
  }

  end(): ParsedFile {
    this.consume(this.scanner.end());
    if (this.controlPlaces > CONTROL_WARNINGS) {
      this.warnings.push(`${this.file}: control characters were removed in ${this.controlPlaces - CONTROL_WARNINGS} more places.`);
    }
    return { format: this.type, statements: this.statements, warnings: this.warnings };
  }

  private consume(chunks: CamtChunk[]): void {
    for (const chunk of chunks) {
      switch (chunk.kind) {
        case 'message':
          this.type = chunk.type;
          if (chunk.version !== undefined && !KNOWN_VERSIONS.has(chunk.version)) {
            this.warnings.push(`The file says it is ${chunk.type}.001.${chunk.version}, a version this agent was not built for; it was read like .001.13.`);
          }
          break;
        case 'statement': {
          const root = parseXmlPiece(this.clean(chunk.xml, chunk.line), this.file, chunk.line, 'statement header');
          const header = mapStatementHeader(root, this.type, { file: this.file, line: chunk.line });
          this.open = {
            header,
            entries: [],
            totals: this.sink === undefined ? undefined : new EntryTotals(),
            firstCurrency: undefined,
            index: -1,
            keyer: new EntryKeyer(header.accountId),
            notBooked: 0,
            line: chunk.line,
          };
          break;
        }
        case 'entry':
          this.addEntry(chunk.xml, chunk.line);
          break;
        case 'statement-end':
          this.closeStatement();
          break;
      }
    }
  }

  private addEntry(xml: string, line: number): void {
    const open = this.open;
    if (open === undefined) return;
    const piece = this.clean(xml, line);
    const where = { file: this.file, line };
    const { status, drafts } = this.reader.read(piece) ? mapEntryFields(this.reader, where) : mapEntry(parseXmlPiece(piece, this.file, line, 'Ntry'), where);
    if (status === 'not-booked') {
      open.notBooked += 1;
      return;
    }
    const sink = this.sink;
    for (const draft of drafts) {
      const entry: Entry = draft as Entry;
      entry.entryKey = open.keyer.keyFor(draft);
      open.firstCurrency ??= entry.currency;
      if (sink === undefined || open.totals === undefined) open.entries.push(entry);
      else {
        if (open.index < 0) this.announce(open, sink);
        open.totals.add(entry.amount, entry.currency);
        sink.onEntry(entry, open.index);
      }
    }
  }

  /** The piece without control characters, each removal reported (the first few by place). */
  private clean(xml: string, line: number): string {
    if (this.cleanSoFar) return xml;
    const { xml: cleaned, removed } = stripControlCharacters(xml, line);
    if (removed.length === 0) return xml;
    const room = Math.max(0, CONTROL_WARNINGS - this.controlPlaces);
    this.warnings.push(...controlWarnings(this.file, removed.slice(0, room), room));
    this.controlPlaces += removed.length;
    return cleaned;
  }

  private announce(open: OpenStatement, sink: EntrySink): void {
    open.index = this.announced;
    this.announced += 1;
    const { statement } = this.statementOf(open);
    sink.onStatement?.(statement, open.index);
  }

  /** The statement as far as known now, without entries, and its warnings about currency. */
  private statementOf(open: OpenStatement): { statement: Omit<Statement, 'entries'>; noCurrency: boolean } {
    const { header } = open;
    const currency = header.accountCurrency ?? header.openingBalance?.currency ?? header.closingBalance?.currency ?? open.firstCurrency;
    const statement: Omit<Statement, 'entries'> = { format: this.type, accountId: header.accountId, currency: currency ?? 'XXX', warnings: [] };
    if (header.iban !== undefined) statement.iban = header.iban;
    if (header.periodStart !== undefined) statement.periodStart = header.periodStart;
    if (header.periodEnd !== undefined) statement.periodEnd = header.periodEnd;
    if (header.openingBalance !== undefined) statement.openingBalance = header.openingBalance;
    if (header.closingBalance !== undefined) statement.closingBalance = header.closingBalance;
    if (header.statementNumber !== undefined) statement.statementNumber = header.statementNumber;
    if (header.sequenceNumber !== undefined) statement.sequenceNumber = header.sequenceNumber;
    return { statement, noCurrency: currency === undefined };
  }

  private closeStatement(): void {
    const open = this.open;
    if (open === undefined) return;
    this.open = undefined;
    if (this.sink !== undefined && open.index < 0) this.announce(open, this.sink);
    const { header } = open;
    const { statement: head, noCurrency } = this.statementOf(open);
    const warnings = head.warnings;
    if (noCurrency) {
      warnings.push(`Account ${header.accountId}: the statement names no currency and has no entries; currency recorded as XXX (none).`);
    }
    if (open.notBooked > 0) {
      warnings.push(
        `Account ${header.accountId}: ${open.notBooked} ${open.notBooked === 1 ? 'entry is' : 'entries are'} not booked yet (status PDNG/INFO) and ${open.notBooked === 1 ? 'was' : 'were'} left out.`,
      );
    }
    const repeated = open.keyer.repeatedReferenceWarning();
    if (repeated !== undefined) warnings.push(repeated);
    const { format, accountId, currency, ...rest } = head;
    this.statements.push({ format, accountId, currency, entries: open.entries, ...rest });
    if (open.totals !== undefined) this.streamedTotals.push(open.totals);
  }
}

/** The encoding an XML declaration names, if any (`<?xml version="1.0" encoding="ISO-8859-1"?>`). */
export function xmlDeclaredEncoding(head: string): string | undefined {
  const m = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  return m?.[1];
}

/** A whole CAMT file in memory → statements. */
export function parseCamt(input: Uint8Array | string, context: ParseContext): ParsedFile {
  const warnings: string[] = [];
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const head = new TextDecoder('latin1').decode(input.subarray(0, 200));
    const declared = xmlDeclaredEncoding(head.replace(/^\uFEFF|^ï»¿/, ''));
    const decoded = decodeText(input, { file: context.file, encoding: knownLabel(declared) ?? 'auto' });
    text = decoded.text;
    if (decoded.warning !== undefined) warnings.push(decoded.warning);
  }
  const parser = new CamtStreamParser(context);
  parser.push(text);
  const parsed = parser.end();
  return { ...parsed, warnings: [...warnings, ...parsed.warnings] };
}

function knownLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}
