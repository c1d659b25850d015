import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../api/index.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import { seededRandom } from '../pipeline/seeded-random.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } };
    expect(canonicalJson(value)).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text whatever order the keys were built in', () => {
    expect(canonicalJson({ id: '7', total: '18.40', currency: 'EUR' })).toBe(
      canonicalJson({ currency: 'EUR', total: '18.40', id: '7' }),
    );
  });

  it('orders keys by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const value: JsonValue = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Spec order; the emoji (surrogate 0xD83D) sorts before U+FB33, unlike code-point order.
    expect(canonicalJson(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('formats numbers in ECMAScript shortest form (RFC 8785 §3.2.2.3 example)', () => {
    const parsed = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]}',
    ) as JsonValue;
    expect(canonicalJson(parsed)).toBe('{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}');
  });

  it('writes 1.0, 1 and 1e0 the same, and -0 as 0', () => {
    const ones = ['1.0', '1', '1e0', '10e-1'].map((text) => canonicalJson(JSON.parse(text) as JsonValue));
    expect(new Set(ones)).toEqual(new Set(['1']));
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson({ a: -0 })).toBe('{"a":0}');
  });

  it('escapes strings the way JSON.stringify does (RFC 8785 string example)', () => {
    const parsed = JSON.parse('{"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}') as JsonValue;
    expect(canonicalJson(parsed)).toBe('{"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    expect(canonicalJson('ünïcødé 😀 \u2028')).toBe(JSON.stringify('ünïcødé 😀 \u2028'));
  });

  it.each([
    ['NaN', { a: NaN }, /\$\.a is NaN/],
    ['Infinity', [1, -Infinity], /\$\[1\] is -Infinity/],
    ['undefined', { a: { b: undefined } }, /\$\.a\.b is undefined/],
    ['a function', { f: () => 1 }, /\$\.f is function/],
    ['a bigint', { id: 12345678901234567890n }, /\$\.id is a bigint.*decimal strings/],
    ['a Date', { at: new Date(0) }, /\$\.at is a Date/],
    ['a sparse array', sparse(), /\$\[1\] is a hole/],
  ])('rejects %s with an error that names where it is', (_name, value, message) => {
    expect(() => canonicalJson(value as unknown as JsonValue)).toThrow(message);
  });

  it('rejects cycles instead of overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a as JsonValue)).toThrow(/cycle/);
  });

  it('writes values nested deeper than its fast walk the same way', () => {
    let nested: JsonValue = { b: 1, a: 'x' };
    for (let i = 0; i < 100; i += 1) nested = i % 2 === 0 ? [nested] : { z: nested, y: i };
    const text = canonicalJson(nested);
    expect(text.startsWith('{"y":99,"z":[{"y":97,"z":[')).toBe(true);
    expect(text).toContain('{"a":"x","b":1}');
    expect(JSON.parse(text)).toEqual(nested);
  });

  it('is invariant under key shuffling and equal to its JSON.parse round trip (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer(), (value, seed) => {
        const json = value as JsonValue;
        const canonical = canonicalJson(json);
        expect(canonicalJson(shuffleKeys(json, seededRandom(seed)))).toBe(canonical);
        // A round trip through plain JSON changes nothing canonical (and -0 becomes 0 on both sides).
        const roundTripped = JSON.parse(JSON.stringify(json)) as JsonValue;
        expect(canonicalJson(roundTripped)).toBe(canonical);
        expect(JSON.parse(canonical)).toEqual(roundTripped);
        // Canonical text is a fixed point.
        expect(canonicalJson(JSON.parse(canonical) as JsonValue)).toBe(canonical);
      }),
      { seed: 20261129, numRuns: 300 },
    );
  });

  it('writes each object from its own keys when consecutive objects share, reorder or change them (the sorted-key reuse)', () => {
    const rows: JsonValue[] = [
      { b: '1', a: 2 },
      { b: 'x', a: null },
      { a: true, b: '3' },
      { b: 1, a: 2, c: 'new column' },
      { b: 1, a: 2 },
      { '10': 'ten', '9': 'nine', x: -0 },
      { x: 1.5, '9': 'nine', '10': 'ten' },
      { b: { d: 1, c: 2 }, a: [{ f: 1, e: 2 }] },
      { b: 'after a nested one', a: 1 },
      { b: 'same first key, another second', z: 1 },
      { b: 'and back', a: 1 },
      { toJSON: 'a string, not a method', b: 1 },
      JSON.parse('{"__proto__":"an own key, as JSON.parse makes it","a":1}') as JsonValue,
    ];
    for (let round = 0; round < 3; round += 1) {
      for (const row of rows) expect(canonicalJson(row)).toBe(reference(row));
    }
  });

  it('agrees with a plain sorting serialiser on flat rows of many shapes (property)', () => {
    const scalar = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string({ maxLength: 4 }), scalar, { maxKeys: 6 }), { maxLength: 8 }), (objects) => {
        for (const object of objects) expect(canonicalJson(object as JsonValue)).toBe(reference(object as JsonValue));
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });
});

/** The canonical text by the definition, as slowly as it reads: keys sorted at every depth. */
function reference(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(value[k]!)}`).join(',')}}`;
}

function sparse(): number[] {
  const holes = new Array<number>(3);
  holes[0] = 1;
  holes[2] = 3;
  return holes;
}

function shuffleKeys(value: JsonValue, random: () => number): JsonValue {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, random));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  for (let i = entries.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
}
