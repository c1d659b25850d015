import { FormatError } from '../format-error.ts';

export interface CsvRow {
  cells: string[];
  /** 1-based line the row starts on. */
  line: number;
}

/** A quoted cell longer than this is a stray quote swallowing the file, not data. */
const MAX_CELL = 1 << 20;
/** Bank exports have tens of columns; a row of a million empty cells is an attack on memory. */
const MAX_CELLS = 10_000;

/**
 * An incremental CSV tokenizer (RFC 4180 plus what banks do): any delimiter and quote character,
 * CR, LF or CRLF line ends (mixed too), quoted cells spanning lines, doubled quotes. Text can arrive
 * in pieces of any size; rows come out as soon as they are complete, so a 100 MB export is never
 * held whole. Cells are cut with indexOf/regex jumps rather than character by character.
 */
export class CsvTokenizer {
  private readonly delimiter: string;
  private readonly quote: string;
  private readonly file: string;
  /** Finds the next character that matters outside quotes. */
  private readonly special: RegExp;
  private cells: string[] = [];
  private cell = '';
  private inQuotes = false;
  /** A quote was the last character of the previous piece, inside a quoted cell: closing or doubled? */
  private quotePending = false;
  /** The previous piece ended with CR: a leading LF belongs to the same line end. */
  private afterCr = false;
  private line = 1;
  private rowLine = 1;
  private quoteLine = 0;
  private rowHasContent = false;
  /** The current cell has a character other than white space (so a quote now is literal). */
  private cellHasText = false;
  /** A quoted piece ended with CR: whether it was a line end depends on the next character. */
  private quotedCr = false;

  constructor(options: { delimiter: string; quote?: string; file: string }) {
    this.delimiter = options.delimiter;
    this.quote = options.quote ?? '"';
    this.file = options.file;
    const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    this.special = new RegExp(`[${escape(this.delimiter)}${escape(this.quote)}\\r\\n\\0]`, 'g');
  }

  push(text: string): CsvRow[] {
    const rows: CsvRow[] = [];
    const { quote } = this;
    let i = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (text[0] === '\n') i = 1;
    }
    if (this.quotePending && i < text.length) {
      this.quotePending = false;
      if (text[i] === quote) {
        this.cell += quote;
        i += 1;
      } else this.leaveQuotes();
    }
    while (i < text.length) {
      if (this.inQuotes) {
        const close = text.indexOf(quote, i);
        const end = close === -1 ? text.length : close;
        this.appendQuoted(text.slice(i, end));
        if (close === -1) return rows;
        if (close + 1 === text.length) {
          this.quotePending = true;
          return rows;
        }
        if (text[close + 1] === quote) {
          this.cell += quote;
          i = close + 2;
        } else {
          this.leaveQuotes();
          i = close + 1;
        }
        continue;
      }
      this.special.lastIndex = i;
      const m = this.special.exec(text);
      const at = m === null ? text.length : m.index;
      if (at > i) {
        const part = text.slice(i, at);
        this.cell += part;
        this.rowHasContent = true;
        if (!this.cellHasText && part.trim() !== '') this.cellHasText = true;
        // The same limit as a quoted cell: a megabyte without a delimiter or line end is not a bank
        // export (an unquoted cell had no limit, so one line could take all memory; issue 10).
        if (this.cell.length > MAX_CELL) {
          throw new FormatError({ file: this.file, line: this.rowLine }, 'a cell runs on for more than a megabyte without a delimiter or line end', {
            expected: `cells separated by "${this.delimiter === '\t' ? 'tab' : this.delimiter}" and lines of ordinary length`,
          });
        }
      }
      if (m === null) return rows;
      const ch = text[at];
      i = at + 1;
      if (ch === '\0') throw this.nulByte(this.line);
      if (ch === this.delimiter) {
        this.pushCell();
        this.rowHasContent = true;
      } else if (ch === quote) {
        this.rowHasContent = true;
        // A flag, not cell.trim(): trimming a long cell at every stray quote was quadratic.
        if (!this.cellHasText) {
          this.cell = '';
          this.inQuotes = true;
          this.quoteLine = this.line;
        } else this.cell += quote;
      } else {
        this.endRow(rows);
        this.line += 1;
        this.rowLine = this.line;
        if (ch === '\r') {
          if (i === text.length) this.afterCr = true;
          else if (text[i] === '\n') i += 1;
        }
      }
    }
    return rows;
  }

  end(): CsvRow[] {
    if (this.inQuotes && !this.quotePending) {
      throw new FormatError({ file: this.file, line: this.quoteLine }, 'a quoted cell is never closed', {
        expected: 'a closing quote before the end of the file',
      });
    }
    this.inQuotes = false;
    this.quotePending = false;
    const rows: CsvRow[] = [];
    this.endRow(rows);
    return rows;
  }

  private leaveQuotes(): void {
    this.inQuotes = false;
    this.cellHasText = true;
    if (this.quotedCr) this.line += 1;
    this.quotedCr = false;
  }

  private appendQuoted(part: string): void {
    if (part === '') return;
    if (part.includes('\0')) throw this.nulByte(this.line);
    if (this.quotedCr && part[0] !== '\n') this.line += 1;
    this.quotedCr = false;
    for (let j = part.indexOf('\n'); j !== -1; j = part.indexOf('\n', j + 1)) this.line += 1;
    // A lone CR (old Mac line end) inside quotes also ends a line; CRLF is counted by its LF.
    for (let j = part.indexOf('\r'); j !== -1; j = part.indexOf('\r', j + 1)) {
      if (j === part.length - 1) this.quotedCr = true;
      else if (part[j + 1] !== '\n') this.line += 1;
    }
    this.cell += part;
    if (this.cell.length > MAX_CELL) {
      throw new FormatError({ file: this.file, line: this.quoteLine }, 'a quoted cell runs on for more than a megabyte', {
        expected: 'a closing quote (a quote character is probably missing)',
      });
    }
  }

  /** NUL is never text: the file is damaged, binary, or UTF-16 read as something else. */
  private nulByte(line: number): FormatError {
    return new FormatError({ file: this.file, line }, 'the line contains NUL bytes (character 0), which a bank export never has', {
      expected: 'plain text',
      hint: 'The file may be damaged or saved as UTF-16 without a byte order mark: export it again as CSV (UTF-8 or the bank\'s code page).',
    });
  }

  private pushCell(): void {
    this.cells.push(this.cell);
    this.cell = '';
    this.cellHasText = false;
    if (this.cells.length > MAX_CELLS) {
      throw new FormatError({ file: this.file, line: this.rowLine }, `a row has more than ${MAX_CELLS} cells`, {
        expected: 'a bank export with an ordinary number of columns (the delimiter may be wrong)',
      });
    }
  }

  private endRow(rows: CsvRow[]): void {
    if (this.rowHasContent || this.cell !== '') {
      this.pushCell();
      rows.push({ cells: this.cells, line: this.rowLine });
    } else {
      rows.push({ cells: [], line: this.rowLine });
    }
    this.cells = [];
    this.cell = '';
    this.cellHasText = false;
    this.rowHasContent = false;
  }
}

/** Tokenizes a whole text (tests, detection). */
export function tokenizeCsv(text: string, options: { delimiter: string; quote?: string; file: string }): CsvRow[] {
  const tokenizer = new CsvTokenizer(options);
  return [...tokenizer.push(text), ...tokenizer.end()];
}
