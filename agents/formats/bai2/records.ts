import { FormatError } from '../format-error.ts';

/** One logical BAI2 record: its 88 continuations already joined to it. */
export interface Bai2Record {
  code: string;
  /** Fields after the record code; for 16 records the last one is the free text (commas and all). */
  fields: string[];
  line: number;
  /** Physical records it was made of (the record and its 88s): what trailers count. */
  physical: number;
  /** Text of the 88 records that continue a 16 detail (its free text goes on there). */
  continuations: string[];
}

const RECORD_START = /^\d{2},/;
/** A logical record with its wrapped lines; real ones are well under a kilobyte. */
const MAX_RECORD_CHARS = 256 * 1024;
const KNOWN = new Set(['01', '02', '03', '16', '88', '49', '98', '99']);

/**
 * Splits BAI2 text into logical records. Real files differ in how they end records: with `/` and
 * a line break, without `/` (continuations end at the line break), several records on one line
 * (`…,2/   02,…`), or a record's text wrapped onto the next line without an 88. A `/` followed by
 * spaces and a record code ends a record; a line that does not start with a record code continues
 * the one before.
 */
export function splitBai2Records(text: string, file: string): Bai2Record[] {
  // A record's wrapped lines are collected and joined once: appending to a growing string and
  // re-trimming it per line was quadratic in a record's length (issue 10).
  const pieces: { parts: string[]; line: number; text: string; length: number }[] = [];
  // Line by line as the text is walked (not split up front), so a runaway record stops the walk early.
  const eol = /\r\n|\r|\n/g;
  for (let start = 0, index = 0; start <= text.length; index += 1) {
    eol.lastIndex = start;
    const m = eol.exec(text);
    const physicalLine = text.slice(start, m === null ? text.length : m.index);
    start = m === null ? text.length + 1 : m.index + m[0].length;
    if (physicalLine.trim() === '') continue;
    const parts = physicalLine.split(/(?<=\/)\s+(?=\d{2},)/);
    parts.forEach((part, i) => {
      const last = pieces[pieces.length - 1];
      if (i === 0 && !RECORD_START.test(part.trimStart()) && last !== undefined) {
        const previous = last.parts.length - 1;
        last.parts[previous] = withoutEndSlash(last.parts[previous] ?? '');
        last.parts.push(part.trim());
        last.length += part.length;
        if (last.length > MAX_RECORD_CHARS) {
          throw new FormatError({ file, line: last.line, field: 'record' }, `the record runs on for more than ${MAX_RECORD_CHARS / 1024} KB over lines that start with no record code`, {
            expected: 'records of ordinary length, each line starting with a record code (88 for a continuation)',
          });
        }
        return;
      }
      pieces.push({ parts: [part.trim()], line: index + 1, text: '', length: part.length });
    });
  }
  for (const piece of pieces) piece.text = piece.parts.join(' ');

  const records: Bai2Record[] = [];
  for (const piece of pieces) {
    const code = piece.text.slice(0, 2);
    if (!RECORD_START.test(piece.text) || !KNOWN.has(code)) {
      throw new FormatError({ file, line: piece.line, field: 'record code' }, `"${piece.text.slice(0, 20)}" does not start with a BAI2 record code`, {
        expected: '01, 02, 03, 16, 88, 49, 98 or 99 followed by a comma',
      });
    }
    const body = withoutEndSlash(piece.text.slice(3));
    const fields = body.split(',');
    const previous = records[records.length - 1];
    if (code === '88') {
      if (previous === undefined) {
        throw new FormatError({ file, line: piece.line, field: '88' }, 'a continuation record comes first', { expected: 'a 01 file header' });
      }
      // A detail's continuation adds to its text; any other record's continuation adds fields.
      if (previous.code === '16') previous.continuations.push(body.trim());
      else previous.fields.push(...fields);
      previous.physical += 1;
      continue;
    }
    records.push({ code, fields, line: piece.line, physical: 1, continuations: [] });
  }
  return records;
}

/**
 * A record's text without its `/` terminator and the spaces around it. Done by hand: a regex such
 * as /\s*\/\s*$/ backtracks over every run of spaces and took 21 s on a 200 KB line (issue 10).
 */
function withoutEndSlash(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.endsWith('/') ? trimmed.slice(0, -1).trimEnd() : trimmed;
}
