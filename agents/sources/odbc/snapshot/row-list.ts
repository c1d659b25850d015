/**
 * The rows a snapshot knows, in the database's key order: each row's key texts and content hash.
 * Append-only, so a saved state can refer to "the first n rows" of a list that later grew, and a
 * restart from that state just cuts the list back.
 *
 * A million-row manifest is held the way it is packed into a checkpoint: each key as one escaped
 * line (texts separated by tab, with backslash, tab and newline escaped) and the hashes in one
 * typed array. Packing a checkpoint is then a join and a base64 of bytes that are already there, and
 * the list costs ~40 bytes a row instead of an array, its strings and a BigInt per row (the
 * checkpoint of every commit used to rebuild all of that: most of a 1M-row round's time in JS).
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';
/** Hash sums add 32-bit halves as doubles: exact for up to 2^21 terms at a time. */
const SUM_STRIDE = 1 << 21;
const MODULUS = 1n << 64n;

export class RowList {
  #lines: string[] = [];
  #hashes = new BigUint64Array(256);
  #halves = new Uint32Array(this.#hashes.buffer);

  get length(): number {
    return this.#lines.length;
  }

  push(key: readonly string[], hash: bigint): void {
    this.#append(keyLine(key), hash);
  }

  /** The key texts of row `i`. */
  key(i: number): string[] {
    return this.line(i).split('\t').map(unescapeField);
  }

  /** Row `i`'s key as one string: equal lines are equal keys (what a lookup by key needs). */
  line(i: number): string {
    const line = this.#lines[i];
    if (line === undefined) throw new RangeError(`Row ${i} of a list of ${this.length}.`);
    return line;
  }

  hash(i: number): bigint {
    if (i < 0 || i >= this.length) throw new RangeError(`Row ${i} of a list of ${this.length}.`);
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
    if (length < this.#lines.length) this.#lines.length = length;
  }

  /** Appends `count` rows of `other` from `start`. */
  copyFrom(other: RowList, start: number, count: number): void {
    if (count <= 0) return;
    const at = this.length;
    this.#reserve(at + count);
    for (let i = start; i < start + count; i += 1) this.#lines.push(other.#lines[i]!);
    this.#hashes.set(other.#hashes.subarray(start, start + count), at);
  }

  /** Every key, decoded (a copy: for tests and diagnostics, not for a million rows in a loop). */
  toKeys(): string[][] {
    return this.#lines.map((_, i) => this.key(i));
  }

  /** Every hash (a copy). */
  toHashes(): bigint[] {
    return Array.from(this.#hashes.subarray(0, this.length));
  }

  #append(line: string, hash: bigint): void {
    const at = this.length;
    this.#reserve(at + 1);
    this.#lines.push(line);
    this.#hashes[at] = hash;
  }

  #reserve(rows: number): void {
    if (rows <= this.#hashes.length) return;
    const grown = new BigUint64Array(Math.max(rows, this.#hashes.length * 2));
    grown.set(this.#hashes.subarray(0, this.length));
    this.#hashes = grown;
    this.#halves = new Uint32Array(grown.buffer);
  }

  static packSlices(slices: readonly RowSlice[]): PackedRows {
    const rows = slices.reduce((sum, slice) => sum + slice.end - slice.start, 0);
    const bytes = Buffer.alloc(rows * 8);
    const texts: string[] = [];
    let at = 0;
    for (const { list, start, end } of slices) {
      if (end <= start) continue;
      texts.push(list.#lines.slice(start, end).join('\n'));
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
    const lines = packed.keys.split('\n');
    const bytes = Buffer.from(packed.hashes, 'base64');
    if (lines.length !== packed.rows || bytes.length !== packed.rows * 8) {
      throw new Error(`A packed row list says ${packed.rows} rows but holds ${lines.length} keys and ${bytes.length / 8} hashes.`);
    }
    for (const line of lines) {
      const width = columnsOf(line);
      if (width !== keyWidth) throw new Error(`A packed key has ${width} columns, the stream has ${keyWidth}.`);
    }
    if (LITTLE_ENDIAN) bytes.swap64();
    const hashes = new BigUint64Array(packed.rows);
    Buffer.from(hashes.buffer).set(bytes);
    list.#lines = lines;
    list.#hashes = hashes;
    list.#halves = new Uint32Array(hashes.buffer);
    return list;
  }
}

export interface RowSlice {
  list: RowList;
  start: number;
  end: number;
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

/** Texts in a line: escaped tabs are `\t` (two characters), so every tab character separates two. */
function columnsOf(line: string): number {
  let columns = 1;
  for (let at = line.indexOf('\t'); at !== -1; at = line.indexOf('\t', at + 1)) columns += 1;
  return columns;
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
