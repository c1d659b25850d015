import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowList, packRows, unpackRows } from './row-list.ts';

function listOf(rows: { key: string[]; hash: bigint }[]): RowList {
  const list = new RowList();
  for (const row of rows) list.push(row.key, row.hash);
  return list;
}

describe('packed row lists', () => {
  it('round-trip any key texts (tabs, newlines, backslashes, empty) and any 64-bit hash', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '\t', '\n', '\\', 't', 'n', '漢', '😀', ' ') });
    const rows = (width: number) =>
      fc.array(fc.record({ key: fc.array(text, { minLength: width, maxLength: width }), hash: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }).chain((width) => fc.tuple(fc.constant(width), rows(width))), ([width, data]) => {
        const unpacked = unpackRows(packRows([{ list: listOf(data), start: 0, end: data.length }]), width);
        expect(unpacked.toKeys()).toEqual(data.map((row) => row.key));
        expect(unpacked.toHashes()).toEqual(data.map((row) => row.hash));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('joins slices of several lists in order, and refuses a list whose counts disagree', () => {
    const a = listOf([1, 2, 3].map((i) => ({ key: [String(i)], hash: BigInt(i) })));
    const b = listOf([7, 8].map((i) => ({ key: [String(i)], hash: BigInt(i) })));
    const packed = packRows([
      { list: a, start: 1, end: 3 },
      { list: b, start: 0, end: 2 },
    ]);
    expect(packed.rows).toBe(4);
    expect(unpackRows(packed, 1).toKeys()).toEqual([['2'], ['3'], ['7'], ['8']]);
    expect(() => unpackRows({ ...packed, rows: 5 }, 1)).toThrow(/says 5 rows but holds 4 keys/);
    expect(() => unpackRows(packed, 2)).toThrow(/has 1 columns, the stream has 2/);
  });

  it('add up any slice of hashes modulo 2^64 as a BigInt sum would, also after copies and a cut', () => {
    const hash = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    fc.assert(
      fc.property(fc.array(hash, { minLength: 1, maxLength: 600 }), fc.nat(), fc.nat(), (hashes, a, b) => {
        const source = listOf(hashes.map((h, i) => ({ key: [String(i)], hash: h })));
        const list = new RowList();
        list.copyFrom(source, 0, hashes.length);
        list.push(['extra'], 2n ** 64n - 1n);
        list.truncate(hashes.length);
        const start = a % hashes.length;
        const count = b % (hashes.length - start + 1);
        const expected = hashes.slice(start, start + count).reduce((sum, h) => sum + h, 0n) % 2n ** 64n;
        expect(list.sumHashes(start, count)).toBe(expected);
        expect(list.hash(start)).toBe(hashes[start]);
      }),
      { seed: 11, numRuns: 200 },
    );
    const all = listOf([{ key: ['a'], hash: 2n ** 64n - 1n }]);
    expect(() => all.sumHashes(0, 2)).toThrow(RangeError);
  });

  it('keeps a single empty key apart from an empty list', () => {
    const one = packRows([{ list: listOf([{ key: [''], hash: 0n }]), start: 0, end: 1 }]);
    expect(unpackRows(one, 1).toKeys()).toEqual([['']]);
    expect(unpackRows(packRows([]), 1).length).toBe(0);
  });
});
