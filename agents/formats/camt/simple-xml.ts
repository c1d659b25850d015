/** A parsed element as fast-xml-parser gives it (xml-node.ts re-exports it): text, or children by name. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

type Children = Record<string, XmlNode | XmlNode[]>;

interface Frame {
  /** The tag as written (with its prefix), to match the end tag. */
  raw: string;
  name: string;
  children: Children;
  attributes: Record<string, string>;
  text: string;
  hasChildren: boolean;
}

const MAX_DEPTH = 100;
const NAME = /^([A-Za-z_][\w.-]*)(?::([A-Za-z_][\w.-]*))?/;
/** An `&` that is not one of XML's five entities (numeric references go to fast-xml-parser). */
const OTHER_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos);)/;
const ENTITY = /&(amp|lt|gt|quot|apos);/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ATTRIBUTE = /\s+([A-Za-z_][\w.-]*)(?::([A-Za-z_][\w.-]*))?\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

/**
 * A fast reader for the plain XML that CAMT entries are: elements, attributes, text and XML's five
 * named entities, without numeric references, comments, CDATA or processing instructions. It returns exactly what fast-xml-parser
 * returns with the options in xml-node.ts, and undefined for anything else — then fast-xml-parser
 * and its validator read the piece (and report any error). A 100 MB statement has a million entries;
 * this path reads them several times faster (camt.test.ts checks both readers agree).
 */
export function parseSimpleXml(xml: string): Record<string, XmlNode> | undefined {
  if (xml.includes('<!') || xml.includes('<?') || (xml.includes('&') && OTHER_AMPERSAND.test(xml))) return undefined;
  const root: Frame = { raw: '', name: '', children: {}, attributes: {}, text: '', hasChildren: false };
  const stack: Frame[] = [root];
  let pos = 0;
  let roots = 0;
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const top = stack[stack.length - 1] ?? root;
    const text = xml.slice(pos, lt === -1 ? xml.length : lt);
    if (text !== '') {
      if (top === root) {
        if (text.trim() !== '') return undefined;
      } else top.text += text;
    }
    if (lt === -1) break;
    const gt = xml.indexOf('>', lt + 1);
    if (gt === -1) return undefined;
    const inner = xml.slice(lt + 1, gt);
    if (inner.includes('<')) return undefined;
    pos = gt + 1;
    if (inner.startsWith('/')) {
      if (top === root || inner.slice(1).trimEnd() !== top.raw) return undefined;
      stack.pop();
      addChild(stack[stack.length - 1] ?? root, top.name, finish(top));
      continue;
    }
    const selfClosing = inner.endsWith('/');
    const body = selfClosing ? inner.slice(0, -1) : inner;
    const name = NAME.exec(body);
    if (name === null) return undefined;
    const frame: Frame = { raw: name[0], name: name[2] ?? name[1] ?? '', children: {}, attributes: {}, text: '', hasChildren: false };
    if (!readAttributes(body, name[0].length, frame.attributes)) return undefined;
    if (top === root) {
      roots += 1;
      if (roots > 1) return undefined;
    }
    if (selfClosing) addChild(top, frame.name, finish(frame));
    else {
      stack.push(frame);
      // Deep nesting goes to the strict reader, which refuses it with the line.
      if (stack.length > MAX_DEPTH) return undefined;
    }
  }
  if (stack.length !== 1 || roots !== 1) return undefined;
  return root.children as Record<string, XmlNode>;
}

function readAttributes(body: string, from: number, into: Record<string, string>): boolean {
  ATTRIBUTE.lastIndex = from;
  let at = from;
  for (;;) {
    const m = ATTRIBUTE.exec(body);
    if (m === null) break;
    at = ATTRIBUTE.lastIndex;
    const prefix = m[2] === undefined ? undefined : m[1];
    const local = m[2] ?? m[1] ?? '';
    // fast-xml-parser with removeNSPrefix drops namespace declarations and strips prefixes.
    if (local === 'xmlns' || prefix === 'xmlns') continue;
    const key = `@_${local}`;
    if (key in into) return false;
    into[key] = decode((m[3] ?? m[4] ?? '').trim());
  }
  return body.slice(at).trim() === '';
}

function decode(text: string): string {
  return text.includes('&') ? text.replace(ENTITY, (_, name: string) => ENTITIES[name] ?? '') : text;
}

function finish(frame: Frame): XmlNode {
  const text = decode(frame.text.trim());
  const hasAttributes = Object.keys(frame.attributes).length > 0;
  if (!frame.hasChildren && !hasAttributes) return text;
  const node: Children = { ...frame.children };
  if (text !== '') node['#text'] = text;
  Object.assign(node, frame.attributes);
  return node;
}

function addChild(parent: Frame, name: string, value: XmlNode): void {
  parent.hasChildren = true;
  const existing = parent.children[name];
  if (existing === undefined) parent.children[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else parent.children[name] = [existing, value];
}
