/**
 * The rows a snapshot knows, in the database's key order: each row's key texts and content hash.
 * Append-only, so a saved state can refer to "the first n rows" of a list that later grew, and a
 * restart from that state just cuts the list back.
 *
 * In a checkpoint the list is packed into two strings (not arrays of arrays) so that writing a
 * checkpoint of a million rows costs two string copies rather than a million small objects: keys as
 * escaped texts separated by tab (columns) and newline (rows), hashes as base64 of 8 bytes each.
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';

export class RowList {
  readonly keys: string[][] = [];
  readonly hashes: bigint[] = [];

  get length(): number {
    return this.keys.length;
  }

  push(key: string[], hash: bigint): void {
    this.keys.push(key);
    this.hashes.push(hash);
  }

  truncate(length: number): void {
    this.keys.length = length;
    this.hashes.length = length;
  }

  /** Appends `count` rows of `other` from `start`. */
  copyFrom(other: RowList, start: number, count: number): void {
    for (let i = start; i < start + count; i += 1) this.push(other.keys[i]!, other.hashes[i]!);
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

export function packRows(slices: readonly RowSlice[]): PackedRows {
  const keys: string[] = [];
  // A typed array takes a bigint per element far faster than Buffer.writeBigUInt64BE (a third of a
  // million-row checkpoint's time went there); one byte swap at the end makes it big-endian.
  const hashes = new BigUint64Array(slices.reduce((sum, slice) => sum + slice.end - slice.start, 0));
  let row = 0;
  for (const { list, start, end } of slices) {
    for (let i = start; i < end; i += 1) {
      const key = list.keys[i]!;
      keys.push(key.length === 1 ? escapeField(key[0]!) : key.map(escapeField).join('\t'));
      hashes[row] = list.hashes[i]!;
      row += 1;
    }
  }
  const bytes = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
  if (LITTLE_ENDIAN) bytes.swap64();
  return { rows: row, keys: keys.join('\n'), hashes: bytes.toString('base64') };
}

export function unpackRows(packed: PackedRows, keyWidth: number): RowList {
  const list = new RowList();
  if (packed.rows === 0) return list;
  const lines = packed.keys.split('\n');
  const hashes = Buffer.from(packed.hashes, 'base64');
  if (lines.length !== packed.rows || hashes.length !== packed.rows * 8) {
    throw new Error(`A packed row list says ${packed.rows} rows but holds ${lines.length} keys and ${hashes.length / 8} hashes.`);
  }
  const aligned = Buffer.alloc(hashes.length);
  hashes.copy(aligned);
  if (LITTLE_ENDIAN) aligned.swap64();
  const values = new BigUint64Array(aligned.buffer, aligned.byteOffset, packed.rows);
  lines.forEach((line, i) => {
    const key = line.split('\t').map(unescapeField);
    if (key.length !== keyWidth) throw new Error(`A packed key has ${key.length} columns, the stream has ${keyWidth}.`);
    list.push(key, values[i]!);
  });
  return list;
}

const SPECIAL = /[\\\t\n]/;

function escapeField(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));
}

function unescapeField(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));
}
