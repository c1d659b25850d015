/**
 * The rows a snapshot knows, in the database's key order: each row's key texts and content hash.
 * Append-only, so a saved state can refer to "the first n rows" of a list that later grew, and a
 * restart from that state just cuts the list back.
 *
 * A million-row manifest is held the way it is packed into a checkpoint: keys as escaped lines
 * (texts separated by tab; backslash, tab and newline escaped) in blocks of joined text, hashes in
 * one typed array. A round copies the unchanged ranges of the old manifest into the new one as
 * references to the old blocks' text, and packing a checkpoint joins a few large slices and
 * base64s bytes that are already there: a round and each of its checkpoints cost about a string
 * copy of the manifest, not an array, strings and a BigInt per row.
 *
 * Each block of joined text is a segment that never changes once made (its rows' keys and hashes),
 * and a list is a sequence of views of segments. A checkpoint stores segments as parts
 * (api/checkpoint-parts.ts) and names the views: a commit writes only the segments made since the
 * last one, so a round that changed a few rows of a million costs a few rows, not the manifest.
 */
import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import type { CheckpointPart } from '../../../api/index.ts';

const LITTLE_ENDIAN = endianness() === 'LE';
/** Hash sums add 32-bit halves as doubles: exact for up to 2^21 terms at a time. */
const SUM_STRIDE = 1 << 21;
const MODULUS = 1n << 64n;
/** Rows pushed one by one are joined into a block of text at this many. */
const BLOCK_ROWS = 4096;
/**
 * Views a list may have beyond one per COMPACT_SHARE rows before it is joined into one segment. Each
 * round leaves its changed rows as small segments between views of the old ones; joining them all
 * rewrites the whole manifest (one large part), so it waits until the views would make each
 * checkpoint's list of them costly: a million rows allow ~17,600 views (~250 KB of checkpoint).
 */
const COMPACT_BLOCKS = 2048;
const COMPACT_SHARE = 64;

/**
 * Rows of a joined text and their hashes, made once and never changed: row k is
 * `text.slice(starts[k], starts[k + 1] - 1)` (`starts` has an entry past the last row, as if each
 * line ended in a newline). `id` names it as a checkpoint part, given when it is first saved.
 */
interface Segment {
  text: string;
  starts: Uint32Array;
  hashes: BigUint64Array;
  id: string | null;
}

/** Rows `first` to `first + count` of a segment. */
interface Block {
  seg: Segment;
  first: number;
  count: number;
}

export class RowList {
  #blocks: Block[] = [];
  /** Rows before each block (same length as #blocks). */
  #before: number[] = [];
  /** Pushed rows not yet joined into a block. */
  #open: string[] = [];
  #sealed = 0;
  #hashes = new BigUint64Array(256);
  #halves = new Uint32Array(this.#hashes.buffer);

  get length(): number {
    return this.#sealed + this.#open.length;
  }

  push(key: readonly string[], hash: bigint): void {
    const at = this.length;
    this.#reserve(at + 1);
    this.#open.push(keyLine(key));
    this.#hashes[at] = hash;
    if (this.#open.length >= BLOCK_ROWS) this.#seal();
  }

  /** The key texts of row `i`. */
  key(i: number): string[] {
    return this.line(i).split('\t').map(unescapeField);
  }

  /** Row `i`'s key as one string: equal lines are equal keys (what a lookup by key needs). */
  line(i: number): string {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`Row ${i} of a list of ${this.length}.`);
    if (i >= this.#sealed) return this.#open[i - this.#sealed]!;
    const b = this.#blockOf(i);
    const { seg, first } = this.#blocks[b]!;
    const k = first + i - this.#before[b]!;
    return seg.text.slice(seg.starts[k], seg.starts[k + 1]! - 1);
  }

  hash(i: number): bigint {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`Row ${i} of a list of ${this.length}.`);
    return this.#hashes[i]!;
  }

  /** Sum modulo 2^64 of `count` hashes from `start`, without a BigInt per row. */
  sumHashes(start: number, count: number): bigint {
    if (start < 0 || count < 0 || start + count > this.length) throw new RangeError(`Rows ${start}+${count} of a list of ${this.length}.`);
    const [low, high] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
    let sum = 0n;
    for (let from = start; from < start + count; from += SUM_STRIDE) {
      const to = Math.min(start + count, from + SUM_STRIDE);
      let lows = 0;
      let highs = 0;
      for (let i = from; i < to; i += 1) {
        lows += this.#halves[2 * i + low]!;
        highs += this.#halves[2 * i + high]!;
      }
      sum += (BigInt(highs) << 32n) + BigInt(lows);
    }
    return sum % MODULUS;
  }

  truncate(length: number): void {
    if (length >= this.length) return;
    if (length >= this.#sealed) {
      this.#open.length = length - this.#sealed;
      return;
    }
    this.#open = [];
    let b = this.#blockOf(length);
    const cut = length - this.#before[b]!;
    if (cut > 0) {
      this.#blocks[b] = { ...this.#blocks[b]!, count: cut };
      b += 1;
    }
    this.#blocks.length = b;
    this.#before.length = b;
    this.#sealed = length;
  }

  /** Appends `count` rows of `other` from `start`: the unchanged part of a manifest, by reference. */
  copyFrom(other: RowList, start: number, count: number): void {
    if (count <= 0) return;
    if (start < 0 || start + count > other.length) throw new RangeError(`Rows ${start}+${count} of a list of ${other.length}.`);
    const at = this.length;
    this.#reserve(at + count);
    this.#hashes.set(other.#hashes.subarray(start, start + count), at);
    this.#seal();
    other.#seal();
    for (const piece of other.#pieces(start, start + count)) this.#addBlock(piece);
  }

  /** Every key, decoded (a copy: for tests and diagnostics, not for a million rows in a loop). */
  toKeys(): string[][] {
    return Array.from({ length: this.length }, (_, i) => this.key(i));
  }

  /** Every hash (a copy). */
  toHashes(): bigint[] {
    return Array.from(this.#hashes.subarray(0, this.length));
  }

  /** Joins the pushed rows into a block. */
  #seal(): void {
    if (this.#open.length === 0) return;
    const lines = this.#open;
    const starts = new Uint32Array(lines.length + 1);
    let offset = 0;
    for (let k = 0; k < lines.length; k += 1) {
      starts[k] = offset;
      offset += lines[k]!.length + 1;
    }
    starts[lines.length] = offset;
    this.#open = [];
    const hashes = this.#hashes.slice(this.#sealed, this.#sealed + lines.length);
    this.#addBlock({ seg: { text: lines.join('\n'), starts, hashes, id: null }, first: 0, count: lines.length });
  }

  #addBlock(block: Block): void {
    const last = this.#blocks.at(-1);
    if (last !== undefined && last.seg === block.seg && last.first + last.count === block.first) {
      // The next rows of the same text (consecutive equal parts of a round): one block.
      this.#blocks[this.#blocks.length - 1] = { ...last, count: last.count + block.count };
    } else {
      this.#blocks.push(block);
      this.#before.push(this.#sealed);
    }
    this.#sealed += block.count;
    // Each round leaves its changed rows in small blocks between references to the old text; once
    // there are many, one join makes them a single block again (amortised: the limit grows with the rows).
    if (this.#blocks.length > COMPACT_BLOCKS + this.#sealed / COMPACT_SHARE) this.#compact();
  }

  #compact(): void {
    const pieces = this.#pieces(0, this.#sealed);
    const texts = pieces.map(blockText);
    const starts = new Uint32Array(this.#sealed + 1);
    let row = 0;
    let offset = 0;
    for (const { seg, first, count } of pieces) {
      const base = seg.starts[first]!;
      for (let k = 0; k < count; k += 1) starts[row + k] = offset + seg.starts[first + k]! - base;
      row += count;
      offset += seg.starts[first + count]! - base;
    }
    starts[this.#sealed] = offset;
    const hashes = this.#hashes.slice(0, this.#sealed);
    this.#blocks = [{ seg: { text: texts.join('\n'), starts, hashes, id: null }, first: 0, count: this.#sealed }];
    this.#before = [0];
  }

  /** The sealed rows [from, to) as block pieces. */
  #pieces(from: number, to: number): Block[] {
    const pieces: Block[] = [];
    for (let b = this.#blockOf(from); from < to; b += 1) {
      const block = this.#blocks[b]!;
      const skip = from - this.#before[b]!;
      const take = Math.min(block.count - skip, to - from);
      pieces.push({ seg: block.seg, first: block.first + skip, count: take });
      from += take;
    }
    return pieces;
  }

  /** Index of the block holding sealed row `i`. */
  #blockOf(i: number): number {
    let lo = 0;
    let hi = this.#blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#before[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #reserve(rows: number): void {
    if (rows <= this.#hashes.length) return;
    const grown = new BigUint64Array(Math.max(rows, this.#hashes.length * 2));
    grown.set(this.#hashes.subarray(0, this.length));
    this.#hashes = grown;
    this.#halves = new Uint32Array(grown.buffer);
  }

  static packSlices(slices: readonly RowSlice[]): PackedRows {
    const rows = slices.reduce((sum, slice) => sum + Math.max(0, slice.end - slice.start), 0);
    const bytes = Buffer.alloc(rows * 8);
    const texts: string[] = [];
    let at = 0;
    for (const { list, start, end } of slices) {
      if (end <= start) continue;
      list.#seal();
      for (const piece of list.#pieces(start, end)) texts.push(blockText(piece));
      const hashes = list.#hashes.subarray(start, end);
      Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength).copy(bytes, at);
      at += hashes.byteLength;
    }
    if (LITTLE_ENDIAN) bytes.swap64();
    return { rows, keys: texts.join('\n'), hashes: bytes.toString('base64') };
  }

  static unpack(packed: PackedRows, keyWidth: number): RowList {
    const list = new RowList();
    if (packed.rows === 0) return list;
    const text = packed.keys;
    const bytes = Buffer.from(packed.hashes, 'base64');
    const starts = lineStarts(text, packed.rows, keyWidth);
    if (bytes.length !== packed.rows * 8) {
      throw new Error(`A packed row list says ${packed.rows} rows but holds ${bytes.length / 8} hashes.`);
    }
    if (LITTLE_ENDIAN) bytes.swap64();
    const hashes = new BigUint64Array(packed.rows);
    Buffer.from(hashes.buffer).set(bytes);
    list.#hashes = hashes;
    list.#halves = new Uint32Array(hashes.buffer);
    // The segment keeps its own copy: the list's array is written again after a cut.
    list.#addBlock({ seg: { text, starts, hashes: hashes.slice(), id: null }, first: 0, count: packed.rows });
    return list;
  }

  /**
   * The rows of `slices` as checkpoint parts and views: each segment they show is one part, named
   * by its id (given here the first time); `put` holds the segments not in `stored` (the parts the
   * last committed checkpoint named), whole; `views` is [part index, first row, rows] per view.
   */
  static toParts(slices: readonly RowSlice[], stored: ReadonlySet<string>): SavedRows {
    const ids: string[] = [];
    const index = new Map<Segment, number>();
    const put: CheckpointPart[] = [];
    const views: number[] = [];
    let rows = 0;
    for (const { list, start, end } of slices) {
      if (end <= start) continue;
      list.#seal();
      for (const { seg, first, count } of list.#pieces(start, end)) {
        let at = index.get(seg);
        if (at === undefined) {
          seg.id ??= randomBytes(9).toString('base64url');
          at = ids.push(seg.id) - 1;
          index.set(seg, at);
          if (!stored.has(seg.id)) put.push({ id: seg.id, text: seg.text, data: hashBytes(seg.hashes) });
        }
        const last = views.length - 3;
        // Consecutive views of one segment (the end of one slice, the start of the next) are one view.
        if (last >= 0 && views[last] === at && views[last + 1]! + views[last + 2]! === first) views[last + 2] = views[last + 2]! + count;
        else views.push(at, first, count);
        rows += count;
      }
    }
    return { rows, ids, views, put };
  }

  /** A list from stored parts (by id, in `ids` order) and the views a checkpoint names; throws what does not fit. */
  static fromParts(saved: { rows: number; ids: readonly string[]; views: readonly number[] }, parts: readonly StoredPart[], keyWidth: number): RowList {
    const segments = parts.map((part, i) => segmentOf(part, saved.ids[i]!, keyWidth));
    if (saved.views.length % 3 !== 0) throw new Error(`A checkpoint's views are ${saved.views.length} numbers, not triples.`);
    const list = new RowList();
    list.#reserve(saved.rows);
    for (let v = 0; v < saved.views.length; v += 3) {
      const [at, first, count] = [saved.views[v]!, saved.views[v + 1]!, saved.views[v + 2]!];
      const seg = segments[at];
      if (seg === undefined || !Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > seg.hashes.length) {
        throw new Error(`View ${v / 3} (part ${at}, rows ${first}+${count}) is outside the parts the checkpoint names.`);
      }
      if (list.length + count > saved.rows) throw new Error(`The views hold more than the ${saved.rows} rows the checkpoint says.`);
      list.#hashes.set(seg.hashes.subarray(first, first + count), list.length);
      list.#addBlock({ seg, first, count });
    }
    if (list.length !== saved.rows) throw new Error(`The views hold ${list.length} rows, the checkpoint says ${saved.rows}.`);
    return list;
  }
}

/** A block's rows as their lines joined by newlines (a slice of its segment's text). */
function blockText({ seg, first, count }: Block): string {
  return seg.text.slice(seg.starts[first], seg.starts[first + count]! - 1);
}

/** Hashes as 8 big-endian bytes each (a checkpoint part's data; a copy). */
function hashBytes(hashes: BigUint64Array): Uint8Array {
  const bytes = Buffer.from(hashes.buffer.slice(hashes.byteOffset, hashes.byteOffset + hashes.byteLength));
  if (LITTLE_ENDIAN) bytes.swap64();
  return bytes;
}

/** A stored part back as a segment: its hashes' count is its row count, and every key line must have `keyWidth` texts. */
function segmentOf(part: StoredPart, id: string, keyWidth: number): Segment {
  if (part.data.byteLength % 8 !== 0 || part.data.byteLength === 0) {
    throw new Error(`Part ${id} holds ${part.data.byteLength} bytes of hashes, not a whole number of 8-byte hashes.`);
  }
  const rows = part.data.byteLength / 8;
  const bytes = Buffer.from(part.data.buffer.slice(part.data.byteOffset, part.data.byteOffset + part.data.byteLength));
  if (LITTLE_ENDIAN) bytes.swap64();
  const hashes = new BigUint64Array(bytes.buffer, bytes.byteOffset, rows);
  try {
    return { text: part.text, starts: lineStarts(part.text, rows, keyWidth), hashes, id };
  } catch (error) {
    throw new Error(`Part ${id}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Where each of `rows` newline-separated lines starts (and one past the end), checking each has
 * `keyWidth` texts: escaped tabs are `\\t` (two characters), so every tab character separates two.
 */
function lineStarts(text: string, rows: number, keyWidth: number): Uint32Array {
  const starts = new Uint32Array(rows + 1);
  // One column: no tab anywhere (checked once; a search per line would run to the end of the text).
  const countTabs = keyWidth !== 1 || text.includes('\t');
  let line = 0;
  let from = 0;
  for (;;) {
    const newline = text.indexOf('\n', from);
    const end = newline === -1 ? text.length : newline;
    if (line < rows) {
      starts[line] = from;
      if (countTabs) {
        let width = 1;
        for (let tab = text.indexOf('\t', from); tab !== -1 && tab < end; tab = text.indexOf('\t', tab + 1)) width += 1;
        if (width !== keyWidth) throw new Error(`A packed key has ${width} columns, the stream has ${keyWidth}.`);
      }
    }
    line += 1;
    if (newline === -1) break;
    from = newline + 1;
  }
  if (line !== rows) throw new Error(`A packed row list says ${rows} rows but holds ${line} keys.`);
  starts[rows] = text.length + 1;
  return starts;
}

export interface RowSlice {
  list: RowList;
  start: number;
  end: number;
}

/** A checkpoint's rows as parts: the part ids it names, its views of them, and the parts to store. */
export interface SavedRows {
  rows: number;
  ids: string[];
  views: number[];
  put: CheckpointPart[];
}

export interface StoredPart {
  text: string;
  data: Uint8Array;
}

export interface PackedRows {
  rows: number;
  keys: string;
  hashes: string;
}

/** In a checkpoint the rows are two strings: the key lines separated by newline, the hashes as base64 of 8 big-endian bytes each. */
export function packRows(slices: readonly RowSlice[]): PackedRows {
  return RowList.packSlices(slices);
}

export function unpackRows(packed: PackedRows, keyWidth: number): RowList {
  return RowList.unpack(packed, keyWidth);
}

/** A key as its line: what `RowList.line` returns for it. */
export function keyLine(key: readonly string[]): string {
  return key.length === 1 ? escapeField(key[0]!) : key.map(escapeField).join('\t');
}

const SPECIAL = /[\\\t\n]/;

function escapeField(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));
}

function unescapeField(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));
}
