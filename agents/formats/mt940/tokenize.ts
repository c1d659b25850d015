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
const TERMINATOR = /^-\s*\}?\s*$/;

/**
 * Cuts MT940/MT942 text into messages and fields. A line that starts with `:NN[A]:` starts a field;
 * other lines continue the field before them. What sits outside a message (SWIFT blocks `{1:…}{2:…}{4:`,
 * the bank envelope ABN AMRO and Rabobank put before `:20:`, the DOS end-of-file byte) is skipped.
 */
export function tokenizeSwift(text: string): SwiftMessage[] {
  // DOS editors end a file with Ctrl-Z (0x1A).
  const lines = stripTrailingCtrlZ(text).split(/\r\n|\r|\n/);
  const messages: SwiftMessage[] = [];
  let current: SwiftMessage | undefined;
  let field: SwiftField | undefined;
  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    // SWIFT blocks: `{1:…}{2:…}` are envelope; `{4:` opens the text block and a field may follow it.
    const block4 = raw.startsWith('{') ? raw.indexOf('{4:') : -1;
    const line = raw.startsWith('{') ? (block4 === -1 ? '' : raw.slice(block4 + 3)) : raw;
    if (TERMINATOR.test(line) || (raw.startsWith('{') && line.trim() === '')) {
      field = undefined;
      if (current !== undefined && current.fields.length > 0) messages.push(current);
      current = undefined;
      return;
    }
    const tag = TAG.exec(line);
    if (tag !== null) {
      current ??= { fields: [], line: lineNumber };
      field = { tag: tag[1] ?? '', value: line.slice(tag[0].length), line: lineNumber };
      current.fields.push(field);
      return;
    }
    if (field !== undefined) field.value += `\n${line}`;
  });
  if (current !== undefined && current.fields.length > 0) messages.push(current);
  return messages;
}

function stripTrailingCtrlZ(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x1a || /\s/.test(text.charAt(end - 1)))) end -= 1;
  return text.slice(0, end);
}
