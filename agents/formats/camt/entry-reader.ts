/**
 * A one-pass reader for the common CAMT entry: it walks one `<Ntry>` piece tag by tag and keeps only
 * the texts mapEntry looks at (a fixed set of paths below Ntry), in slots reused from entry to entry,
 * instead of building an object tree per entry and searching it. A 100 MB statement has a quarter of a
 * million entries; the tree (and the garbage it left) was most of the parse time.
 *
 * It reads exactly what simple-xml.ts reads (elements, attributes, text, XML's five named entities)
 * and checks the same things (matching end tags, one root, attribute syntax, no stray `<`). Anything
 * it does not handle — comments, CDATA, numeric or undeclared entities, a repeated element on one of
 * its paths, several transactions in one entry (a batch booking), very deep nesting, a root that is
 * not Ntry or has no children — makes `read` return false, and the entry goes the old way (tree,
 * then fast-xml-parser and its validator, which report any error with its line). So a broken piece is
 * never accepted here: at worst it is handed on. entry-reader.test.ts checks both ways agree.
 */
import { Buffer } from 'node:buffer';

/** Paths below Ntry whose text mapEntry reads; `*` marks those that may repeat (all are kept). */
const PATHS = [
  'Sts',
  'Sts/Cd',
  'Sts/Prtry',
  'Amt',
  'CdtDbtInd',
  'ValDt/Dt',
  'ValDt/DtTm',
  'BookgDt/Dt',
  'BookgDt/DtTm',
  'AcctSvcrRef',
  'AddtlNtryInf',
  'NtryDtls/TxDtls/Refs/AcctSvcrRef',
  ...['Dbtr', 'Cdtr'].flatMap((p) => [
    `NtryDtls/TxDtls/RltdPties/${p}/Nm`,
    `NtryDtls/TxDtls/RltdPties/${p}/Pty/Nm`,
    `NtryDtls/TxDtls/RltdPties/Ultmt${p}/Nm`,
    `NtryDtls/TxDtls/RltdPties/Ultmt${p}/Pty/Nm`,
    `NtryDtls/TxDtls/RltdPties/${p}Acct/Id/IBAN`,
    `NtryDtls/TxDtls/RltdPties/${p}Acct/Id/Othr/Id`,
  ]),
  'NtryDtls/TxDtls/RmtInf/Ustrd*',
  'NtryDtls/TxDtls/RmtInf/Strd/CdtrRefInf/Ref',
  'NtryDtls/TxDtls/RmtInf/Strd/AddtlRmtInf*',
  'NtryDtls/TxDtls/AddtlTxInf',
];

interface Trie {
  /** Per state: its children's local names and states. */
  names: string[][];
  /** Per state: packKey of each child name, looked at before the name itself. */
  keys: Int32Array[];
  states: number[][];
  /** Per state: its children's local names as bytes (ASCII), compared with the piece's bytes. */
  nameBytes: Uint8Array[][];
  /** Per state: true when mapEntryFields reads its text (containers' whitespace is not kept). */
  keepsText: boolean[];
  /** Per state: true when it may repeat (its texts are collected in order). */
  repeats: boolean[];
  /** Path (without `*`) → state, intermediate paths included. */
  byPath: Map<string, number>;
}

function buildTrie(): Trie {
  const trie: Trie = { names: [[]], keys: [], states: [[]], nameBytes: [], keepsText: [false], repeats: [false], byPath: new Map([['', 0]]) };
  for (const spec of PATHS) {
    const repeats = spec.endsWith('*');
    let path = '';
    let state = 0;
    for (const name of (repeats ? spec.slice(0, -1) : spec).split('/')) {
      path = path === '' ? name : `${path}/${name}`;
      let next = trie.byPath.get(path);
      if (next === undefined) {
        next = trie.names.length;
        trie.names.push([]);
        trie.states.push([]);
        trie.repeats.push(false);
        trie.keepsText.push(false);
        trie.byPath.set(path, next);
        trie.names[state]?.push(name);
        trie.states[state]?.push(next);
      }
      state = next;
    }
    trie.repeats[state] = repeats;
    trie.keepsText[state] = true;
  }
  // A date element's own text is read when it has no Dt/DtTm child.
  for (const date of ['ValDt', 'BookgDt']) trie.keepsText[trie.byPath.get(date) ?? 0] = true;
  trie.nameBytes = trie.names.map((names) => names.map((name) => Uint8Array.from(name, (c) => c.charCodeAt(0))));
  trie.keys = trie.names.map((names) => Int32Array.from(names, (name) => packKey(name.charCodeAt(0), name.charCodeAt(name.length - 1), name.length)));
  return trie;
}

const TRIE = buildTrie();
const STATES = TRIE.names.length;
/** Deeper pieces go the old way, which refuses them past MAX_XML_DEPTH with the line. */
const MAX_DEPTH = 90;
const AMT = stateOf('Amt');
/** XML's five named entities; any other `&` (numeric references included) sends the piece the old way. */
const ENTITIES: ReadonlyArray<readonly [string, string, number]> = [
  ['&amp;', '&', 5],
  ['&lt;', '<', 4],
  ['&gt;', '>', 4],
  ['&quot;', '"', 6],
  ['&apos;', "'", 6],
];
const ATTRIBUTE = /\s+([A-Za-z_][\w.-]*)(?::([A-Za-z_][\w.-]*))?\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

/** The state of a path below Ntry (a path of PATHS or a prefix of one). */
export function stateOf(path: string): number {
  const state = TRIE.byPath.get(path);
  if (state === undefined) throw new Error(`entry-reader: ${path} is not one of the paths read`);
  return state;
}

export class CamtEntryReader {
  /** Per state: the element's text (trimmed, entities decoded), or undefined when absent. */
  private readonly values: Array<string | undefined> = new Array<string | undefined>(STATES).fill(undefined);
  private readonly lists: Array<string[] | undefined> = new Array<string[] | undefined>(STATES).fill(undefined);
  private readonly seen = new Uint8Array(STATES);
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** The states marked in `seen` by the last read, so the next read clears only those. */
  private readonly touched = new Int32Array(STATES);
  private touchedCount = 0;
  /** The Ccy attribute of Ntry/Amt, trimmed. */
  amountCurrency: string | undefined;
  private readonly stackState = new Int32Array(MAX_DEPTH + 2);
  private readonly stackNameStart = new Int32Array(MAX_DEPTH + 2);
  private readonly stackNameEnd = new Int32Array(MAX_DEPTH + 2);
  private readonly stackText: Array<string | undefined> = new Array<string | undefined>(MAX_DEPTH + 2).fill(undefined);

  /** The text at a path's state; undefined when absent or empty (as xml-node.ts `text`). */
  text(state: number): string | undefined {
    const value = this.values[state];
    return value === '' ? undefined : value;
  }

  /** Whether the element of a state was in the entry. */
  has(state: number): boolean {
    return this.seen[state] === 1;
  }

  /** The texts of a repeating state, in order (empty ones included, as `children` gives them). */
  all(state: number): readonly string[] {
    return this.lists[state] ?? [];
  }

  /** Reads one `<Ntry>…</Ntry>` piece; false when it must go the old way (see the file comment). */
  read(xml: string): boolean {
    // Comments, CDATA, DOCTYPE and processing instructions (`<!`, `<?`) fail the name check below.
    if (!plainEntities(xml)) return false;
    // The walk runs over the piece's UTF-8 bytes: indexing a byte array is several times faster
    // than charCodeAt on a string cut out of the scanner's buffer. Markup is ASCII, so in an ASCII
    // piece byte offsets are string offsets and texts are sliced from the string; otherwise texts
    // are decoded from the bytes, which gives back the same text for any well-formed string.
    const room = xml.length * 3;
    const bytes = room <= SCRATCH_BYTES ? this.scratch : Buffer.allocUnsafe(room);
    const n = ENCODER.encodeInto(xml, bytes).written;
    const ascii = n === xml.length;
    if (!ascii && !xml.isWellFormed()) return false;
    // Only the states the last entry set are cleared (an entry sets a dozen of ~60).
    for (let k = 0; k < this.touchedCount; k += 1) {
      const state = this.touched[k] ?? 0;
      this.values[state] = undefined;
      this.lists[state] = undefined;
      this.seen[state] = 0;
    }
    this.touchedCount = 0;
    this.amountCurrency = undefined;
    const { stackState, stackNameStart, stackNameEnd, stackText } = this;
    const cut = (from: number, to: number) => (ascii ? xml.slice(from, to) : bytes.toString('utf8', from, to));
    let depth = 0;
    let roots = 0;
    let rootChildren = 0;
    let pos = 0;
    let lt = nextByte(bytes, LT, 0, n);
    while (pos < n) {
      const textEnd = lt === -1 ? n : lt;
      if (textEnd > pos) {
        if (depth === 0) {
          if (!blank(bytes, pos, textEnd)) return false;
        } else if (TRIE.keepsText[stackState[depth] ?? -1] === true) {
          const segment = cut(pos, textEnd);
          const before = stackText[depth];
          stackText[depth] = before === undefined ? segment : before + segment;
        }
      }
      if (lt === -1) break;
      // The tag's end, with no `<` before it; then the next tag, from there.
      const gt = tagEnd(bytes, lt + 1, n);
      if (gt === -1) return false;
      const nextLt = nextByte(bytes, LT, gt + 1, n);
      pos = gt + 1;
      const tag = lt;
      lt = nextLt;

      if (bytes[tag + 1] === SLASH) {
        // An end tag: `</` + the start tag's name as written + optional blanks.
        if (depth === 0) return false;
        const nameStart = stackNameStart[depth] ?? 0;
        const length = (stackNameEnd[depth] ?? 0) - nameStart;
        if (gt - (tag + 2) < length || !sameBytes(bytes, nameStart, tag + 2, length)) return false;
        if (!blank(bytes, tag + 2 + length, gt)) return false;
        const state = stackState[depth] ?? -1;
        if (state >= 0 && TRIE.keepsText[state] === true) this.keep(state, stackText[depth] ?? '');
        depth -= 1;
        continue;
      }

      const selfClosing = bytes[gt - 1] === SLASH && gt - 1 > tag;
      const bodyEnd = selfClosing ? gt - 1 : gt;
      // The name: [A-Za-z_][\w.-]* with an optional `prefix:`; the state is looked up by the local part.
      let i = tag + 1;
      if (i >= bodyEnd || NAME_CHARS[bytes[i] ?? 0] !== 1) return false;
      i += 1;
      while (i < bodyEnd && NAME_CHARS[bytes[i] ?? 0] !== 0) i += 1;
      let localStart = tag + 1;
      let localEnd = i;
      if (i + 1 < bodyEnd && bytes[i] === COLON && NAME_CHARS[bytes[i + 1] ?? 0] === 1) {
        localStart = i + 1;
        i += 2;
        while (i < bodyEnd && NAME_CHARS[bytes[i] ?? 0] !== 0) i += 1;
        localEnd = i;
      }
      const nameEnd = i;
      let state: number;
      if (depth === 0) {
        roots += 1;
        if (roots > 1 || selfClosing || localEnd - localStart !== 4 || !sameWord(bytes, localStart, NTRY)) return false;
        state = 0;
      } else {
        if (depth === 1) rootChildren += 1;
        const parent = stackState[depth] ?? -1;
        state = parent >= 0 ? childState(parent, bytes, localStart, localEnd) : -1;
        if (state >= 0) {
          // A repeated element would make mapEntry's "first of" reads and several transactions (a
          // batch booking, split by amounts) matter: left to the old way.
          if (this.seen[state] === 1) {
            if (TRIE.repeats[state] !== true) return false;
          } else {
            this.seen[state] = 1;
            this.touched[this.touchedCount] = state;
            this.touchedCount += 1;
          }
        }
      }
      if (!blank(bytes, nameEnd, bodyEnd)) {
        if (state === AMT && bodyEnd - nameEnd === 10 && sameWord(bytes, nameEnd, CCY) && plainCode(bytes, nameEnd + 6) && bytes[nameEnd + 9] === QUOTE) {
          // The one attribute nearly every amount has, as nearly every bank writes it: ` Ccy="EUR"`.
          this.amountCurrency = bytes.toString('latin1', nameEnd + 6, nameEnd + 9);
        } else if (!this.attributes(cut(tag + 1, bodyEnd), nameEnd - tag - 1, state)) return false;
      }
      if (selfClosing) {
        if (state >= 0 && TRIE.keepsText[state] === true) this.keep(state, '');
        continue;
      }
      depth += 1;
      if (depth > MAX_DEPTH) return false;
      stackState[depth] = state;
      stackNameStart[depth] = tag + 1;
      stackNameEnd[depth] = nameEnd;
      stackText[depth] = undefined;
    }
    return depth === 0 && roots === 1 && rootChildren > 0;
  }

  private keep(state: number, raw: string): void {
    const value = decode(raw.trim());
    if (TRIE.repeats[state] === true) {
      const list = this.lists[state];
      if (list === undefined) this.lists[state] = [value];
      else list.push(value);
    } else this.values[state] = value;
  }

  /** simple-xml.ts's attribute check; keeps Ntry/Amt's Ccy. */
  private attributes(body: string, from: number, state: number): boolean {
    ATTRIBUTE.lastIndex = from;
    let at = from;
    let names: string[] | undefined;
    for (;;) {
      const m = ATTRIBUTE.exec(body);
      if (m === null) break;
      at = ATTRIBUTE.lastIndex;
      const prefix = m[2] === undefined ? undefined : m[1];
      const local = m[2] ?? m[1] ?? '';
      if (local === 'xmlns' || prefix === 'xmlns') continue;
      names ??= [];
      if (names.includes(local)) return false;
      names.push(local);
      if (state === AMT && local === 'Ccy') this.amountCurrency = decode((m[3] ?? m[4] ?? '').trim()).trim();
    }
    return body.slice(at).trim() === '';
  }
}

const SLASH = 47;
const QUOTE = 34;

const LT = 60;
const GT = 62;
const COLON = 58;
const NTRY = Uint8Array.from('Ntry', (c) => c.charCodeAt(0));
const CCY = Uint8Array.from(' Ccy="', (c) => c.charCodeAt(0));
const ENCODER = new TextEncoder();
/** Pieces up to a third of this are encoded into one buffer kept by the reader; larger ones into their own. */
const SCRATCH_BYTES = 192 * 1024;

/** Three ASCII letters at `at` (a currency code needs no decoding or trimming). */
function plainCode(bytes: Uint8Array, at: number): boolean {
  for (let k = at; k < at + 3; k += 1) {
    const c = (bytes[k] ?? 0) | 0x20;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/** Per byte: 1 for [A-Za-z_] (may start a name), 2 for [0-9.-] (may continue one), 0 for the rest (all of UTF-8's non-ASCII bytes). */
const NAME_CHARS = Uint8Array.from({ length: 256 }, (_, c) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? 1 : (c >= 48 && c <= 57) || c === 46 || c === 45 ? 2 : 0,
);

/** The child state named by bytes[from, to), or -1 when that element is not read. */
function childState(parent: number, bytes: Uint8Array, from: number, to: number): number {
  const keys = TRIE.keys[parent];
  if (keys === undefined) return -1;
  const key = packKey(bytes[from] ?? 0, bytes[to - 1] ?? 0, to - from);
  for (let k = 0; k < keys.length; k += 1) {
    if (keys[k] !== key) continue;
    const name = TRIE.nameBytes[parent]?.[k];
    if (name !== undefined && sameWord(bytes, from, name)) return TRIE.states[parent]?.[k] ?? -1;
  }
  return -1;
}

function packKey(first: number, last: number, length: number): number {
  return ((first & 0x7f) << 16) | ((last & 0x7f) << 8) | (length & 0xff);
}

/** `text.startsWith(word, at)` as a loop: startsWith with a position is a slow call in V8. */
function sameChars(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 0; k < word.length; k += 1) if (text.charCodeAt(at + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** The first `byte` in bytes[from, to), or -1. */
function nextByte(bytes: Uint8Array, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i += 1) if (bytes[i] === byte) return i;
  return -1;
}

/** The first `>` in bytes[from, to), or -1 when there is none or a `<` comes first. */
function tagEnd(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i += 1) {
    const c = bytes[i];
    if (c === GT) return i;
    if (c === LT) return -1;
  }
  return -1;
}

/** bytes[at…] starts with `word` (the caller has made sure it fits). */
function sameWord(bytes: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k += 1) if (bytes[at + k] !== word[k]) return false;
  return true;
}

function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k += 1) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

/** True when every `&` starts one of XML's five named entities. */
function plainEntities(xml: string): boolean {
  for (let i = xml.indexOf('&'); i !== -1; i = xml.indexOf('&', i + 1)) if (entityAt(xml, i) === -1) return false;
  return true;
}

/** The named entity at `at` (an index into ENTITIES), or -1 when there is none. */
function entityAt(text: string, at: number): number {
  const c = text.charCodeAt(at + 1);
  // a(mp|pos), l(t), g(t), q(uot): the second letter picks the one candidate, sameChars checks it.
  const k = c === 97 ? (text.charCodeAt(at + 2) === 109 ? 0 : 4) : c === 108 ? 1 : c === 103 ? 2 : c === 113 ? 3 : -1;
  return k >= 0 && sameChars(text, at, ENTITIES[k]?.[0] ?? '&') ? k : -1;
}

/** Decodes the five named entities (plainEntities has made sure every `&` starts one). */
function decode(text: string): string {
  let at = text.indexOf('&');
  if (at === -1) return text;
  let out = '';
  let from = 0;
  while (at !== -1) {
    out += text.slice(from, at);
    const found = ENTITIES[entityAt(text, at)];
    if (found === undefined) return text;
    out += found[1];
    from = at + found[2];
    at = text.indexOf('&', from);
  }
  return out + text.slice(from);
}

function blank(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) {
    const c = bytes[i];
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

