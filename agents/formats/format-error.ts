import { AgentError } from '../pipeline/errors.ts';

/** Where in a file: always the file, and always a line or a byte offset, so a person can find it. */
export type FormatErrorLocation = {
  /** File name as the person knows it (base name or the path they gave). */
  file: string;
  /** The field, tag or column at fault: `:61:`, `TRNAMT`, `Ntry/Amt`, `column "Betrag"`. */
  field?: string | undefined;
} & (
  | {
      /** 1-based line, for text formats (worksheet row for Excel). */
      line: number;
      offset?: number | undefined;
    }
  | {
      /** 0-based byte offset, when there are no lines (zip, binary). */
      offset: number;
      line?: number | undefined;
    }
);

/**
 * A bank or POS file that cannot be read as what it claims to be. Expected, never a crash: the
 * folder source quarantines the file with this message beside it, the CLI prints it.
 * The message names the file, the place and what was expected, in words a bookkeeper can pass on.
 */
export class FormatError extends AgentError {
  readonly file: string;
  readonly line: number | undefined;
  readonly offset: number | undefined;
  readonly field: string | undefined;
  /** What the parser expected there, e.g. "a D/C mark (C, D, RC or RD)". */
  readonly expected: string | undefined;

  constructor(location: FormatErrorLocation, problem: string, options: { expected?: string; hint?: string; cause?: unknown } = {}) {
    super('format_error', describe(location, problem, options.expected), {
      hint:
        options.hint ??
        'The file is not a valid statement in this format. Ask the bank for a fresh export, or check the file was fully copied.',
      cause: options.cause,
    });
    this.file = location.file;
    this.line = location.line;
    this.offset = location.offset;
    this.field = location.field;
    this.expected = options.expected;
  }
}

function describe(location: FormatErrorLocation, problem: string, expected: string | undefined): string {
  const where = [location.file];
  if (location.line !== undefined) where.push(`line ${location.line}`);
  else if (location.offset !== undefined) where.push(`byte ${location.offset}`);
  if (location.field !== undefined) where.push(`field ${location.field}`);
  const tail = expected === undefined ? '' : `; expected ${expected}`;
  return `${where.join(', ')}: ${problem}${tail}.`;
}

/** Where a parser is, for building FormatErrors without passing the file name everywhere. */
export interface ParseContext {
  file: string;
}
