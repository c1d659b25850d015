import { FormatError } from '../format-error.ts';

export interface OfxNode {
  name: string;
  /** Text of an element (leaf); undefined for an aggregate. */
  value?: string;
  children: OfxNode[];
  line: number;
}

/** Aggregates of the bank and credit card messages: these must be closed, and are never empty values. */
const AGGREGATES = new Set([
  'OFX', 'SIGNONMSGSRSV1', 'SONRS', 'STATUS', 'FI', 'BANKMSGSRSV1', 'STMTTRNRS', 'STMTRS', 'BANKACCTFROM', 'BANKACCTTO',
  'CCACCTFROM', 'CCACCTTO', 'BANKTRANLIST', 'STMTTRN', 'PAYEE', 'LEDGERBAL', 'AVAILBAL', 'CURRENCY', 'ORIGCURRENCY',
  'CREDITCARDMSGSRSV1', 'CCSTMTTRNRS', 'CCSTMTRS', 'BALLIST', 'BAL', 'INVSTMTMSGSRSV1', 'INVSTMTTRNRS', 'INVSTMTRS',
  'STMTENDRS', 'CCSTMTENDRS', 'MKTGINFO',
]);

interface Pending {
  name: string;
  line: number;
  text: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9._]*$/;
/** OFX nests about ten deep; far deeper is a hostile or broken file, refused before it costs time. */
const MAX_DEPTH = 200;

/**
 * Reads an OFX body into a tree, for both dialects: OFX 1.x SGML, where an element's end tag may be
 * left out (`<CODE>0<SEVERITY>INFO</STATUS>`), and OFX 2.x XML. An element followed by text is a
 * value; one followed directly by another tag is an aggregate, and aggregates must be closed, in
 * order. A file cut off before `</OFX>` or an aggregate closed out of order is refused: guessing the
 * structure of a statement could drop or duplicate entries.
 */
export function parseOfxBody(text: string, start: number, firstLine: number, file: string): OfxNode {
  const root: OfxNode = { name: '#root', children: [], line: firstLine };
  const stack: OfxNode[] = [root];
  let pending: Pending | undefined;
  let pos = start;
  let line = firstLine;
  let lineScan = start;
  const lineAt = (index: number): number => {
    for (; lineScan < index; lineScan += 1) if (text.charCodeAt(lineScan) === 10) line += 1;
    return line;
  };
  const top = (): OfxNode => stack[stack.length - 1] ?? root;
  const fail = (index: number, problem: string, expected: string): FormatError =>
    new FormatError({ file, line: lineAt(index) }, problem, { expected });

  const resolvePending = (): void => {
    if (pending === undefined) return;
    const value = pending.text.trim();
    top().children.push({ name: pending.name, value: decodeEntities(value), children: [], line: pending.line });
    pending = undefined;
  };

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const textEnd = lt === -1 ? text.length : lt;
    if (textEnd > pos) {
      const chunk = text.slice(pos, textEnd);
      if (pending !== undefined) pending.text += chunk;
      else if (chunk.trim() !== '') {
        if (stack.length === 1) break; // text after </OFX>: checked below
        throw fail(pos, `unexpected text "${chunk.trim().slice(0, 30)}" between elements`, 'a tag');
      }
    }
    if (lt === -1) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) throw fail(lt, 'a comment is not closed', '-->');
      pos = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) throw fail(lt, 'a CDATA section is not closed', ']]>');
      if (pending === undefined) throw fail(lt, 'a CDATA section outside an element', 'a value inside an element');
      pending.text += text.slice(lt + 9, end);
      pos = end + 3;
      continue;
    }
    const gt = text.indexOf('>', lt + 1);
    const nextLt = text.indexOf('<', lt + 1);
    if (gt === -1 || (nextLt !== -1 && nextLt < gt)) throw fail(lt, 'a tag is not closed', "'>'");
    pos = gt + 1;
    if (text[lt + 1] === '?' || text[lt + 1] === '!') continue;
    let inner = text.slice(lt + 1, gt).trim();
    const closing = inner.startsWith('/');
    const selfClosing = !closing && inner.endsWith('/');
    if (closing) inner = inner.slice(1).trim();
    if (selfClosing) inner = inner.slice(0, -1).trim();
    const name = inner.split(/\s/)[0] ?? '';
    if (!NAME.test(name)) throw fail(lt, `"<${text.slice(lt + 1, gt).slice(0, 30)}>" is not a tag`, 'an OFX element name');
    const upper = name.toUpperCase();

    if (closing) {
      if (pending !== undefined && pending.name === upper) {
        resolvePending();
        continue;
      }
      resolvePending();
      hoistEmptyElements(stack, upper);
      const open = top();
      if (open.name !== upper) {
        const problem =
          stack.length === 1
            ? `</${upper}> closes an element that was never opened`
            : `</${upper}> comes while <${open.name}> (line ${open.line}) is still open`;
        throw fail(lt, problem, `</${open.name}>`);
      }
      stack.pop();
      continue;
    }
    if (stack.length === 1 && root.children.length > 0) throw fail(lt, `<${upper}> after </OFX>`, 'the end of the file');
    if (pending !== undefined) {
      if (pending.text.trim() === '') {
        const aggregate: OfxNode = { name: pending.name, children: [], line: pending.line };
        top().children.push(aggregate);
        stack.push(aggregate);
        if (stack.length > MAX_DEPTH) throw fail(lt, `elements are nested more than ${MAX_DEPTH} deep`, 'an OFX statement (real ones nest about ten deep)');
        pending = undefined;
      } else resolvePending();
    }
    if (selfClosing) top().children.push({ name: upper, value: '', children: [], line: lineAt(lt) });
    else pending = { name: upper, line: lineAt(lt), text: '' };
  }
  resolvePending();
  if (stack.length > 1) {
    const open = top();
    throw fail(text.length, `the file ends while <${open.name}> (line ${open.line}) is still open; it looks cut off`, `</${open.name}> and </OFX>`);
  }
  const ofx = root.children[0];
  if (ofx === undefined || ofx.name !== 'OFX' || ofx.value !== undefined) {
    throw new FormatError({ file, line: firstLine }, 'the body does not start with an <OFX> aggregate', { expected: '<OFX>…</OFX>' });
  }
  return ofx;
}

/**
 * SGML lets an empty element lose its end tag (`<BALAMT><DTASOF>20240131</LEDGERBAL>`), which reads
 * like an aggregate until the parent closes. When `</NAME>` arrives while such look-alikes are open
 * above NAME, they were empty values: they become empty elements and what was read inside them moves
 * up to their parent. Known aggregates are never treated this way: an unclosed STMTTRN stays an error.
 */
function hoistEmptyElements(stack: OfxNode[], closing: string): void {
  // Linear overall: the search walks down only over elements that are then hoisted (popped) or, at
  // a known aggregate, gives up (and the caller refuses the file). Scanning the whole stack on every
  // end tag made 40,000 nested tags take 33 s (issue 10).
  if (stack[stack.length - 1]?.name === closing) return;
  let target = -1;
  for (let i = stack.length - 1; i > 0; i -= 1) {
    const name = stack[i]?.name;
    if (name === closing) {
      target = i;
      break;
    }
    if (name !== undefined && AGGREGATES.has(name)) return;
  }
  if (target <= 0) return;
  // Each open look-alike is the last child of the one below it, so moving their children up in
  // stack order keeps document order, touching every node once.
  const parent = stack[target];
  if (parent === undefined) return;
  for (let i = target + 1; i < stack.length; i += 1) {
    const node = stack[i];
    if (node === undefined) continue;
    for (const moved of node.children) parent.children.push(moved);
    node.children = [];
    node.value = '';
  }
  stack.length = target + 1;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,6});/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[body.toLowerCase()] ?? whole;
  });
}

export function child(node: OfxNode | undefined, ...path: string[]): OfxNode | undefined {
  let current = node;
  for (const name of path) current = current?.children.find((c) => c.name === name);
  return current;
}

export function childrenNamed(node: OfxNode | undefined, name: string): OfxNode[] {
  return node?.children.filter((c) => c.name === name) ?? [];
}

/** A value at a path: undefined when absent, `''` when present but empty. */
export function valueAt(node: OfxNode | undefined, ...path: string[]): string | undefined {
  const found = child(node, ...path);
  if (found === undefined) return undefined;
  return found.value ?? (found.children.length === 0 ? '' : undefined);
}
