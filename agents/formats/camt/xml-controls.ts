/**
 * Control characters inside CAMT text (NUL, backspace, form feed…, written raw or as `&#0;`) are not
 * allowed in XML 1.0, and a NUL in a remittance text would reach the cloud as `\u0000`. Banks do
 * emit them (copied from legacy systems), so they are removed and each removal is reported with its
 * line and element: the entry is still good, its text is cleaned, and the person can see where.
 */

/** Raw C0 controls other than tab, line feed and carriage return, or a character reference to one (or to NUL). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2\d|3[01]));/gi;

export interface RemovedControls {
  line: number;
  field: string;
  count: number;
  /** e.g. `U+0000, U+0008`. */
  codes: string;
}

/** Whether `text` holds anything stripControlCharacters would remove. */
export function hasControlCharacters(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

export function stripControlCharacters(xml: string, firstLine: number): { xml: string; removed: RemovedControls[] } {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(xml)) return { xml, removed: [] };
  const removed: RemovedControls[] = [];
  let line = firstLine;
  let counted = 0;
  let last: RemovedControls | undefined;
  const codes = new Set<string>();
  const out = xml.replace(CONTROL, (match: string, offset: number) => {
    for (let i = xml.indexOf('\n', counted); i !== -1 && i < offset; i = xml.indexOf('\n', i + 1)) line += 1;
    counted = offset;
    const field = enclosingElement(xml, offset);
    if (last === undefined || last.line !== line || last.field !== field) {
      if (last !== undefined) last.codes = [...codes].join(', ');
      codes.clear();
      last = { line, field, count: 0, codes: '' };
      removed.push(last);
    }
    last.count += 1;
    codes.add(codeOf(match));
    return '';
  });
  if (last !== undefined) last.codes = [...codes].join(', ');
  return { xml: out, removed };
}

function codeOf(match: string): string {
  const code = match.startsWith('&#') ? (match[2] === 'x' || match[2] === 'X' ? parseInt(match.slice(3, -1), 16) : parseInt(match.slice(2, -1), 10)) : match.charCodeAt(0);
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The name of the element whose text holds `offset` (the last start tag before it). */
function enclosingElement(xml: string, offset: number): string {
  const lt = xml.lastIndexOf('<', offset);
  if (lt === -1) return 'text';
  const m = /^<\/?([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(xml.slice(lt, lt + 80));
  return m?.[2] ?? 'text';
}

/** The warnings for a piece, at most `limit` of them and then a count of the rest. */
export function controlWarnings(file: string, removed: RemovedControls[], limit = 20): string[] {
  const lines = removed
    .slice(0, limit)
    .map((r) => `${file}, line ${r.line}, field ${r.field}: ${r.count} control character${r.count === 1 ? '' : 's'} (${r.codes}) removed from the text; XML does not allow them.`);
  if (removed.length > limit) lines.push(`${file}: control characters were removed in ${removed.length - limit} more places.`);
  return lines;
}
