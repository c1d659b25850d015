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

  it('behave as a plain array of keys and hashes through pushes, copies by reference, cuts and repacking', () => {
    type Op = { kind: 'push'; count: number } | { kind: 'copy'; from: number; count: number } | { kind: 'cut'; to: number } | { kind: 'repack' } | { kind: 'parts' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ kind: fc.constant('copy' as const), from: fc.nat(), count: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('cut' as const), to: fc.nat() }),
      fc.record({ kind: fc.constant('repack' as const) }),
      fc.record({ kind: fc.constant('parts' as const) }),
    );
    // A source list made of two blocks (an unpacked one and pushed rows), as a round's old manifest.
    const source = unpackRows(packRows([{ list: listOf(Array.from({ length: 3000 }, (_, i) => ({ key: [`o${i}\t`], hash: BigInt(i) ** 3n })) ), start: 0, end: 3000 }]), 1);
    for (let i = 0; i < 2000; i += 1) source.push([`p${i}`], BigInt(i) << 40n);
    const sourceKeys = source.toKeys();
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        let list = new RowList();
        // Stored parts, as the outbox keeps them from one checkpoint to the next.
        let stored = new Map<string, { text: string; data: Uint8Array }>();
        const keys: string[][] = [];
        const hashes: bigint[] = [];
        let pushed = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            for (let i = 0; i < o.count; i += 1) {
              const key = [`n${(pushed += 1)}\\x`];
              list.push(key, BigInt(pushed));
              keys.push(key);
              hashes.push(BigInt(pushed));
            }
          } else if (o.kind === 'copy') {
            const from = o.from % source.length;
            const count = Math.min(o.count, source.length - from);
            list.copyFrom(source, from, count);
            keys.push(...sourceKeys.slice(from, from + count));
            hashes.push(...source.toHashes().slice(from, from + count));
          } else if (o.kind === 'cut') {
            const to = keys.length === 0 ? 0 : o.to % (keys.length + 1);
            list.truncate(to);
            keys.length = to;
            hashes.length = to;
          } else if (o.kind === 'repack') {
            list = unpackRows(packRows([{ list, start: 0, end: list.length }]), 1);
          } else {
            const saved = RowList.toParts([{ list, start: 0, end: list.length }], new Set(stored.keys()));
            const put = new Map(saved.put.map((part) => [part.id, part]));
            stored = new Map(saved.ids.map((id) => [id, put.get(id) ?? stored.get(id)!]));
            list = RowList.fromParts(saved, saved.ids.map((id) => stored.get(id)!), 1);
          }
          expect(list.length).toBe(keys.length);
        }
        expect(list.toKeys()).toEqual(keys);
        expect(list.toHashes()).toEqual(hashes);
        if (keys.length > 0) expect(list.sumHashes(0, keys.length)).toBe(hashes.reduce((a, b) => a + b, 0n) % 2n ** 64n);
      }),
      { seed: 5, numRuns: 60 },
    );
  });

  it('join many small pieces into one block again, keeping every row', () => {
    const a = listOf(Array.from({ length: 4000 }, (_, i) => ({ key: [`a${i}`], hash: BigInt(i) })));
    const b = listOf(Array.from({ length: 4000 }, (_, i) => ({ key: [`b${i}`], hash: BigInt(i + 10_000) })));
    const list = new RowList();
    // Alternating single rows of two lists: every copy is a block of its own until the list is joined.
    for (let i = 0; i < 4000; i += 1) list.copyFrom(i % 2 === 0 ? a : b, i, 1);
    expect(list.length).toBe(4000);
    for (const i of [0, 1, 2047, 2048, 2049, 3999]) {
      expect(list.key(i)).toEqual([`${i % 2 === 0 ? 'a' : 'b'}${i}`]);
      expect(list.hash(i)).toBe(BigInt(i % 2 === 0 ? i : i + 10_000));
    }
    expect(unpackRows(packRows([{ list, start: 0, end: 4000 }]), 1).toKeys()).toEqual(list.toKeys());
  });

  it('keeps a single empty key apart from an empty list', () => {
    const one = packRows([{ list: listOf([{ key: [''], hash: 0n }]), start: 0, end: 1 }]);
    expect(unpackRows(one, 1).toKeys()).toEqual([['']]);
    expect(unpackRows(packRows([]), 1).length).toBe(0);
  });
});
