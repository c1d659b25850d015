import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FormatError } from '../format-error.ts';
import { parseSimpleXml, type XmlNode } from './simple-xml.ts';

/** A parsed XML element as fast-xml-parser returns it: text, or an object of children and `@_` attributes. */
export type { XmlNode };

// Values stay strings (money is exact), namespace prefixes go (CAMT files use both `<Stmt>` and
// `<ns2:Stmt>`). htmlEntities is what makes numeric references (&#233;) decode; DOCTYPE entities never
// reach this parser (the scanner hands it pieces from inside the message).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  trimValues: true,
  htmlEntities: true,
  // Pass the path matcher, not a path string, to callbacks we do not use: building the string for
  // every tag costs a third of the parse time.
  jPath: false,
});

/** Parses one well-formed piece of XML; a syntax error becomes a FormatError at the right line. */
export function parseXmlPiece(xml: string, file: string, firstLine: number, what: string): Record<string, XmlNode> {
  const simple = parseSimpleXml(xml);
  if (simple !== undefined) return simple;
  return parseXmlPieceStrictly(xml, file, firstLine, what);
}

/** fast-xml-parser behind its validator: entities, comments, CDATA, and every error message. */
export function parseXmlPieceStrictly(xml: string, file: string, firstLine: number, what: string): Record<string, XmlNode> {
  refuseUndeclaredEntities(xml, file, firstLine, what);
  refuseDeepNesting(xml, file, firstLine, what);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new FormatError(
      { file, line: firstLine + valid.err.line - 1, field: what },
      `the XML is broken here (${valid.err.msg.replace(/\.$/, '')})`,
      { expected: 'well-formed XML' },
    );
  }
  try {
    return parser.parse(xml) as Record<string, XmlNode>;
  } catch (cause) {
    throw new FormatError({ file, line: firstLine, field: what }, 'the XML could not be read', { expected: 'well-formed XML', cause });
  }
}

/** The child (first if repeated) at a path, or undefined. */
export function child(node: XmlNode | XmlNode[] | undefined, ...path: string[]): XmlNode | undefined {
  let current: XmlNode | XmlNode[] | undefined = node;
  for (const name of path) {
    const one: XmlNode | undefined = Array.isArray(current) ? current[0] : current;
    if (one === undefined || typeof one === 'string') return undefined;
    current = one[name];
  }
  return Array.isArray(current) ? current[0] : current;
}

/** All children with a name at the end of a path (repeated or single), as an array. */
export function children(node: XmlNode | XmlNode[] | undefined, ...path: string[]): XmlNode[] {
  const last = path[path.length - 1];
  if (last === undefined) return [];
  const parent = child(node, ...path.slice(0, -1));
  if (parent === undefined || typeof parent === 'string') return [];
  const value = parent[last];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Text content of the element at a path (attributes ignored), trimmed; undefined when absent or empty. */
export function text(node: XmlNode | XmlNode[] | undefined, ...path: string[]): string | undefined {
  const found = child(node, ...path);
  const value = textOf(found);
  return value === undefined || value === '' ? undefined : value;
}

export function textOf(node: XmlNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node.trim();
  const inner = node['#text'];
  if (typeof inner === 'string') return inner.trim();
  return '';
}

export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value.trim() : undefined;
}

/** CAMT nests about fifteen deep; far deeper is hostile, and fast-xml-parser recurses per level. */
export const MAX_XML_DEPTH = 100;
const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/**
 * `&e;` with no declaration is malformed XML (and CAMT has no DTD, so nothing is declared): kept as
 * literal text it would put "&e;" into a remittance. Refused, naming the entity and its line.
 */
function refuseUndeclaredEntities(xml: string, file: string, firstLine: number, what: string): void {
  const re = /&([A-Za-z_][\w.-]*);/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const name = m[1] ?? '';
    if (XML_ENTITIES.has(name)) continue;
    throw new FormatError({ file, line: firstLine + countNewlines(xml, m.index), field: what }, `the entity &${name}; is not declared (a CAMT file may use only &amp; &lt; &gt; &quot; &apos; and numeric references)`, {
      expected: 'well-formed XML',
    });
  }
}

/** Counts element depth with a linear scan over the tags, before any recursive parser sees the piece. */
function refuseDeepNesting(xml: string, file: string, firstLine: number, what: string): void {
  let depth = 0;
  for (let lt = xml.indexOf('<'); lt !== -1; lt = xml.indexOf('<', lt + 1)) {
    const next = xml[lt + 1];
    if (next === '/') depth -= 1;
    else if (next !== '?' && next !== '!') {
      const gt = xml.indexOf('>', lt);
      if (gt === -1) return;
      if (xml[gt - 1] !== '/') depth += 1;
      if (depth > MAX_XML_DEPTH) {
        throw new FormatError({ file, line: firstLine + countNewlines(xml, lt), field: what }, `elements are nested more than ${MAX_XML_DEPTH} deep`, {
          expected: 'a CAMT entry (real ones nest about fifteen deep)',
        });
      }
    }
  }
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
}
