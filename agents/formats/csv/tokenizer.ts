import { FormatError } from '../format-error.ts';

export interface CsvRow {
  cells: string[];
  /** 1-based line the row starts on. */
  line: number;
}

/** A quoted cell longer than this is a stray quote swallowing the file, not data. */
const MAX_CELL = 1 << 20;

/**
 * An incremental CSV tokenizer (RFC 4180 plus what banks do): any delimiter and quote character,
 * CR, LF or CRLF line ends (mixed too), quoted cells spanning lines, doubled quotes. Text can arrive
 * in pieces of any size; rows come out as soon as they are complete, so a 100 MB export is never
 * held whole.
 */
export class CsvTokenizer {
  private readonly delimiter: string;
  private readonly quote: string;
  private readonly file: string;
  private cells: string[] = [];
  private cell = '';
  private inQuotes = false;
  /** The previous character was a quote inside a quoted cell (closing it, or the first of a doubled pair). */
  private quotePending = false;
  /** The previous character was CR: a following LF belongs to the same line end. */
  private afterCr = false;
  private line = 1;
  private rowLine = 1;
  private quoteLine = 0;
  private rowHasContent = false;

  constructor(options: { delimiter: string; quote?: string; file: string }) {
    this.delimiter = options.delimiter;
    this.quote = options.quote ?? '"';
    this.file = options.file;
  }

  push(text: string): CsvRow[] {
    const rows: CsvRow[] = [];
    const { delimiter, quote } = this;
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i] ?? '';
      if (this.afterCr) {
        this.afterCr = false;
        if (ch === '\n') continue;
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (ch === quote) {
            this.cell += quote;
            continue;
          }
          this.inQuotes = false;
          // fall through: the quote closed the cell; this character is read outside quotes.
        } else if (ch === quote) {
          this.quotePending = true;
          continue;
        } else {
          if (ch === '\n' || ch === '\r') {
            this.line += 1;
            if (ch === '\r') this.afterCr = true;
          }
          this.cell += ch;
          if (this.cell.length > MAX_CELL) {
            throw new FormatError({ file: this.file, line: this.quoteLine }, 'a quoted cell runs on for more than a megabyte', {
              expected: 'a closing quote (a quote character is probably missing)',
            });
          }
          continue;
        }
      }
      if (ch === delimiter) {
        this.cells.push(this.cell);
        this.cell = '';
        this.rowHasContent = true;
      } else if (ch === '\n' || ch === '\r') {
        this.endRow(rows);
        this.line += 1;
        this.rowLine = this.line;
        if (ch === '\r') this.afterCr = true;
      } else if (ch === quote && this.cell.trim() === '') {
        this.cell = '';
        this.inQuotes = true;
        this.quoteLine = this.line;
        this.rowHasContent = true;
      } else {
        this.cell += ch;
        this.rowHasContent = true;
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

  private endRow(rows: CsvRow[]): void {
    if (this.rowHasContent || this.cell !== '') {
      this.cells.push(this.cell);
      rows.push({ cells: this.cells, line: this.rowLine });
    } else {
      rows.push({ cells: [], line: this.rowLine });
    }
    this.cells = [];
    this.cell = '';
    this.rowHasContent = false;
  }
}

/** Tokenizes a whole text (tests, detection). */
export function tokenizeCsv(text: string, options: { delimiter: string; quote?: string; file: string }): CsvRow[] {
  const tokenizer = new CsvTokenizer(options);
  return [...tokenizer.push(text), ...tokenizer.end()];
}
