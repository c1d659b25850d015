import { FormatError } from '../format-error.ts';

/** One SWIFT field (`:61:` and its continuation lines), with the line it starts on. */
export interface SwiftField {
  tag: string;
  /** The field's lines, first one without its tag, line breaks kept as `\n`. */
  value: string;
  line: number;
}

/** A message: the fields between two `-` terminators (or SWIFT block braces). */
export interface SwiftMessage {
  fields: SwiftField[];
  line: number;
}

const TAG = /^:(\d{2}[A-Z]?|NS):/;
/** Far beyond any bank's :86: (SWIFT allows 390 characters, some banks write a few KB). */
const MAX_FIELD_CHARS = 256 * 1024;

/**
 * Cuts MT940/MT942 text into messages and fields. A line that starts with `:NN[A]:` starts a field;
 * other lines continue the field before them. Framing is ignored, content never: SWIFT blocks
 * (`{1:…}{2:…}{3:{…}}{4:` before the text, `-}` or `-}{5:{CHK:…}}` after it), a `-` line ending a
 * message, SOH/ETX and other control characters around messages, blank lines, trailing spaces, the
 * bank envelope ABN AMRO and Rabobank put before `:20:`, and the DOS end-of-file byte.
 */
export function tokenizeSwift(text: string, file = 'statement'): SwiftMessage[] {
  const messages: SwiftMessage[] = [];
  let current: SwiftMessage | undefined;
  let field: SwiftField | undefined;
  const close = (): void => {
    field = undefined;
    if (current !== undefined && current.fields.length > 0) messages.push(current);
    current = undefined;
  };
  // Line by line as the text is read, not split up front: a hostile field of a million lines is
  // refused at 256 KB, before the rest of the file costs anything.
  let lineNumber = 0;
  for (const original of linesOf(text)) {
    lineNumber += 1;
    const raw = withoutFramingControls(original);
    if (raw.startsWith('{')) {
      // `{1:…}{2:…}` are envelope; `{4:` opens the text block and a field may follow it on the line.
      const block4 = raw.indexOf('{4:');
      close();
      if (block4 === -1) continue;
      const rest = raw.slice(block4 + 3);
      if (rest.trim() !== '') startOrContinue(rest, lineNumber);
      continue;
    }
    if (isTerminator(raw)) {
      close();
      continue;
    }
    startOrContinue(raw, lineNumber);
  }
  close();
  return messages;

  function startOrContinue(line: string, lineNumber: number): void {
    const tag = TAG.exec(line);
    if (tag !== null) {
      current ??= { fields: [], line: lineNumber };
      field = { tag: tag[1] ?? '', value: line.slice(tag[0].length), line: lineNumber };
      current.fields.push(field);
      return;
    }
    if (field === undefined) return;
    field.value += `\n${line}`;
    if (field.value.length > MAX_FIELD_CHARS) {
      throw new FormatError({ file, line: field.line, field: `:${field.tag}:` }, `the field runs on for more than ${MAX_FIELD_CHARS / 1024} KB`, {
        expected: 'a field of a few lines (SWIFT allows 6 lines of 65 characters for :86:); the next field may be missing its tag',
      });
    }
  }
}

/** The lines of `text` (ending in CRLF, CR or LF), as `text.split(/\r\n|\r|\n/)` gives them. */
function* linesOf(text: string): Generator<string> {
  const breaks = /\r\n|\r|\n/g;
  let start = 0;
  for (let found = breaks.exec(text); found !== null; found = breaks.exec(text)) {
    yield text.slice(start, found.index);
    start = found.index + found[0].length;
  }
  yield text.slice(start);
}

/** `-`, `-}` or `-}{5:{CHK:…}}` (the trailer blocks after the text block): the message ends. */
function isTerminator(line: string): boolean {
  const t = line.trim();
  return t === '-' || t === '-}' || t.startsWith('-}{');
}

/**
 * Without SOH, ETX, Ctrl-Z and other C0 controls that transmission software puts around messages
 * (at either end of a line; spaces are content and stay). By hand: a regex anchored at the end
 * backtracks over long runs.
 */
function withoutFramingControls(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isControl(line.charCodeAt(start))) start += 1;
  while (end > start && isControl(line.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}
