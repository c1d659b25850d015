import { FormatError } from '../format-error.ts';

export type CamtMessageType = 'camt.052' | 'camt.053' | 'camt.054';

export type CamtChunk =
  | { kind: 'message'; type: CamtMessageType; version: string | undefined; line: number }
  /** A statement's own elements (everything before its first Ntry), closed so it parses alone. */
  | { kind: 'statement'; xml: string; line: number }
  | { kind: 'entry'; xml: string; line: number }
  | { kind: 'statement-end'; line: number };

const MESSAGE_ELEMENTS: Record<string, CamtMessageType> = {
  BkToCstmrAcctRpt: 'camt.052',
  BkToCstmrStmt: 'camt.053',
  BkToCstmrDbtCdtNtfctn: 'camt.054',
};
const STATEMENT_ELEMENT: Record<CamtMessageType, string> = { 'camt.052': 'Rpt', 'camt.053': 'Stmt', 'camt.054': 'Ntfctn' };
const PROLOG_LIMIT = 1 << 20;
/**
 * The largest statement header or single Ntry read as one piece. A batch booking with thousands of
 * TxDtls stays well below; a piece that does not close within this is a broken or hostile file.
 */
export const MAX_PIECE_CHARS = 16 * 1024 * 1024;
/** A search that found nothing resumes this far back, in case its pattern was cut by the chunk end. */
const OVERLAP = 256;
const COMPACT_AFTER = 1 << 14;
/** What may follow `</Ntry` in its end tag. */
const CLOSE_REST = /\s*>/y;

type State = 'prolog' | 'between' | 'header' | 'entries' | 'done';

/**
 * Cuts a CAMT document into small well-formed pieces (a statement's header, one Ntry at a time) as
 * text arrives, so a 100 MB statement never becomes one 100 MB object tree: memory stays bounded by
 * the largest single entry. Each piece is then parsed with fast-xml-parser (values kept as strings).
 *
 * The element order is fixed by the ISO 20022 schemas (…, Bal, TxsSummry, Ntry*, AddtlStmtInf), so
 * everything before the first Ntry is the statement header.
 */
export class CamtScanner {
  private readonly file: string;
  private buf = '';
  /** Scan position inside `buf`. */
  private pos = 0;
  /** A known (index in buf, line) pair, so line numbers are counted once, front to back. */
  private lineIndex = 0;
  private lineNumber = 1;
  private state: State = 'prolog';
  private prefix = '';
  private type: CamtMessageType | undefined;
  private messageElement = '';
  private statementStart = 0;
  private statementLine = 0;
  private statements = 0;
  /** Where a search for the end of the current piece stopped without finding it (no rescans). */
  private searchedTo = 0;
  /** Text of an unfinished piece not yet appended to `buf` (its end is not in it), and its length. */
  private waiting: string[] = [];
  private waitingChars = 0;
  /** The last characters seen, so an end tag cut between two chunks is still found. */
  private tail = '';
  /** Built once the message element (and so the namespace prefix) is known. */
  private patterns: { statementOrEnd: RegExp; entryOrClose: RegExp; entryClose: RegExp } | undefined;
  /** `</Ntry` with the document's prefix: found with indexOf, which is several times faster than the regex. */
  private entryCloseStart = '</Ntry';

  constructor(file: string) {
    this.file = file;
  }

  /** Feeds text; returns the pieces that became complete. */
  push(text: string): CamtChunk[] {
    if (this.searchedTo > 0 && (this.state === 'entries' || this.state === 'header')) {
      // An unfinished piece: look for its end in the new text only. Appending to the buffer and
      // searching it would flatten the whole growing string on every chunk (quadratic copying).
      const needle = this.pattern(this.state === 'entries' ? 'entryClose' : 'entryOrClose');
      const window = this.tail + text;
      needle.lastIndex = 0;
      if (!needle.test(window)) {
        this.waiting.push(text);
        this.waitingChars += text.length;
        this.tail = window.slice(-OVERLAP);
        const start = this.state === 'header' ? this.statementStart : this.pos;
        this.capPiece(start, this.state === 'header' ? `<${this.statementName()}> header` : '<Ntry>');
        return [];
      }
    }
    this.buf += this.waiting.length === 0 ? text : this.waiting.join('') + text;
    this.waiting = [];
    this.waitingChars = 0;
    this.tail = this.buf.slice(-OVERLAP);
    const out: CamtChunk[] = [];
    this.scan(out);
    this.compact();
    return out;
  }

  /** No more text: returns the last pieces or throws when the document is incomplete. */
  end(): CamtChunk[] {
    if (this.waiting.length > 0) {
      this.buf += this.waiting.join('');
      this.waiting = [];
      this.waitingChars = 0;
    }
    const out: CamtChunk[] = [];
    this.scan(out);
    if (this.state === 'prolog') {
      throw this.error(this.pos, 'this is not a CAMT document', 'a <BkToCstmrStmt>, <BkToCstmrAcctRpt> or <BkToCstmrDbtCdtNtfctn> message element');
    }
    if (this.state !== 'done') {
      const what = this.state === 'between' ? `the end of </${this.messageElement}>` : `the end of the <${this.statementName()}> that began on line ${this.statementLine}`;
      throw this.error(this.buf.length, 'the file ends too early (it looks cut off)', what);
    }
    if (this.statements === 0) {
      throw this.error(this.pos, `the ${this.type ?? 'CAMT'} message holds no statement`, `at least one <${this.statementName()}> after <GrpHdr>`);
    }
    return out;
  }

  private statementName(): string {
    return this.type === undefined ? 'Stmt' : STATEMENT_ELEMENT[this.type];
  }

  private scan(out: CamtChunk[]): void {
    for (;;) {
      const before = this.state;
      const progressed = this.step(out);
      if (!progressed && before === this.state) return;
    }
  }

  /** One step of the state machine; false when more text is needed. */
  private step(out: CamtChunk[]): boolean {
    switch (this.state) {
      case 'prolog':
        return this.findMessage(out);
      case 'between':
        return this.findStatementOrEnd();
      case 'header':
        return this.findHeaderEnd(out);
      case 'entries':
        return this.findEntryOrStatementEnd(out);
      case 'done':
        return false;
    }
  }

  private findMessage(out: CamtChunk[]): boolean {
    const re = /<([A-Za-z_][\w.-]*:)?(BkToCstmrStmt|BkToCstmrAcctRpt|BkToCstmrDbtCdtNtfctn)[\s>]/g;
    re.lastIndex = this.pos;
    const m = re.exec(this.buf);
    if (m === null) {
      if (this.buf.length > PROLOG_LIMIT) throw this.error(0, 'this is not a CAMT document', 'a CAMT message element near the start of the file');
      return false;
    }
    const name = m[2] ?? '';
    this.prefix = m[1] ?? '';
    this.type = MESSAGE_ELEMENTS[name];
    this.messageElement = `${this.prefix}${name}`;
    const head = this.buf.slice(0, m.index);
    const ns = /camt\.(05[234])\.001\.(\d{2})/.exec(head);
    if (ns !== null && `camt.${ns[1]}` !== this.type) {
      throw this.error(m.index, `the namespace says camt.${ns[1]} but the message element is <${name}>`, `the element that belongs to camt.${ns[1]}`);
    }
    const type = this.type ?? 'camt.053';
    const p = escape(this.prefix);
    const statement = STATEMENT_ELEMENT[type];
    this.patterns = {
      statementOrEnd: new RegExp(`<${p}${statement}[\\s>]|</${escape(this.messageElement)}\\s*>`, 'g'),
      entryOrClose: new RegExp(`<${p}Ntry[\\s>/]|</${p}${statement}\\s*>`, 'g'),
      entryClose: new RegExp(`</${p}Ntry\\s*>`, 'g'),
    };
    this.entryCloseStart = `</${this.prefix}Ntry`;
    out.push({ kind: 'message', type, version: ns?.[2], line: this.lineAt(m.index) });
    this.pos = m.index + m[0].length;
    this.state = 'between';
    return true;
  }

  private findStatementOrEnd(): boolean {
    const re = this.pattern('statementOrEnd');
    re.lastIndex = this.pos;
    const m = re.exec(this.buf);
    if (m === null) {
      // What lies between statements (GrpHdr, whitespace) is not kept: move on, so it is scanned once.
      this.pos = Math.max(this.pos, this.buf.length - OVERLAP);
      return false;
    }
    if (m[0].startsWith('</')) {
      this.pos = m.index + m[0].length;
      this.state = 'done';
      return true;
    }
    this.statementStart = m.index;
    this.statementLine = this.lineAt(m.index);
    this.pos = m.index;
    this.state = 'header';
    return true;
  }

  private findHeaderEnd(out: CamtChunk[]): boolean {
    const name = this.statementName();
    const re = this.pattern('entryOrClose');
    re.lastIndex = Math.max(this.pos + 1, this.searchedTo - OVERLAP);
    const m = re.exec(this.buf);
    if (m === null) {
      this.searchedTo = this.buf.length;
      this.capPiece(this.statementStart, `<${name}> header`);
      return false;
    }
    this.searchedTo = 0;
    const close = `</${this.prefix}${name}>`;
    out.push({ kind: 'statement', xml: this.buf.slice(this.statementStart, m.index) + close, line: this.statementLine });
    this.statements += 1;
    if (m[0].startsWith('</')) {
      out.push({ kind: 'statement-end', line: this.lineAt(m.index) });
      this.pos = m.index + m[0].length;
      this.state = 'between';
    } else {
      this.pos = m.index;
      this.state = 'entries';
    }
    return true;
  }

  private findEntryOrStatementEnd(out: CamtChunk[]): boolean {
    const re = this.pattern('entryOrClose');
    re.lastIndex = this.pos;
    const m = re.exec(this.buf);
    if (m === null) return false;
    if (m[0].startsWith('</')) {
      out.push({ kind: 'statement-end', line: this.lineAt(m.index) });
      this.pos = m.index + m[0].length;
      this.state = 'between';
      return true;
    }
    const closeEnd = this.entryCloseEnd(Math.max(m.index, this.searchedTo - OVERLAP));
    if (closeEnd === -1) {
      if (m[0].endsWith('/')) {
        throw this.error(m.index, 'an empty <Ntry/> element', 'an entry with Amt, CdtDbtInd and BookgDt');
      }
      this.pos = m.index;
      this.searchedTo = this.buf.length;
      this.capPiece(m.index, '<Ntry>');
      return false;
    }
    this.searchedTo = 0;
    const end = closeEnd;
    out.push({ kind: 'entry', xml: this.buf.slice(m.index, end), line: this.lineAt(m.index) });
    this.pos = end;
    return true;
  }

  /** Where the first `</Ntry\s*>` at or after `from` ends (as the entryClose pattern matches it), or -1. */
  private entryCloseEnd(from: number): number {
    const rest = CLOSE_REST;
    for (let at = this.buf.indexOf(this.entryCloseStart, from); at !== -1; at = this.buf.indexOf(this.entryCloseStart, at + 1)) {
      rest.lastIndex = at + this.entryCloseStart.length;
      if (rest.test(this.buf)) return rest.lastIndex;
    }
    return -1;
  }

  /** A piece that runs on past MAX_PIECE_CHARS is refused rather than held (memory) and parsed (time). */
  private capPiece(start: number, what: string): void {
    if (this.buf.length + this.waitingChars - start <= MAX_PIECE_CHARS) return;
    throw this.error(start, `the ${what} that begins here runs on for more than ${MAX_PIECE_CHARS / (1024 * 1024)} MB without its end tag`, 'an end tag (the file may be broken or cut off)');
  }

  private pattern(which: 'statementOrEnd' | 'entryOrClose' | 'entryClose'): RegExp {
    if (this.patterns === undefined) throw new Error('CAMT scanner patterns used before the message element was found');
    return this.patterns[which];
  }

  /** Drops consumed text so the buffer holds at most one unfinished piece plus a chunk. */
  private compact(): void {
    const keepFrom = this.state === 'header' ? this.statementStart : this.pos;
    if (keepFrom < COMPACT_AFTER) return;
    this.lineAt(keepFrom);
    this.buf = this.buf.slice(keepFrom);
    this.lineIndex -= keepFrom;
    this.pos -= keepFrom;
    this.statementStart -= keepFrom;
    this.searchedTo = Math.max(0, this.searchedTo - keepFrom);
  }

  private lineAt(index: number): number {
    if (index >= this.lineIndex) {
      this.lineNumber += countNewlines(this.buf, this.lineIndex, index);
      this.lineIndex = index;
      return this.lineNumber;
    }
    return this.lineNumber - countNewlines(this.buf, index, this.lineIndex);
  }

  private error(index: number, problem: string, expected: string): FormatError {
    return new FormatError({ file: this.file, line: this.lineAt(Math.min(index, this.buf.length)) }, problem, { expected });
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  let i = text.indexOf('\n', from);
  while (i !== -1 && i < to) {
    n += 1;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}
