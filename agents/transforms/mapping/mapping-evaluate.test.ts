/**
 * A field that only names a column is read directly, without JSONata's evaluator; it must give what
 * JSONata gives for any data: the same output, or the same error naming the same field. The slow
 * way is forced by writing the same name in parentheses, which JSONata reads identically.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, MappingConfig, MappingFieldType } from '../../api/index.ts';
import { DEFAULT_MAPPING_LIMITS } from './mapping-limits.ts';
import { compileMapping, mapRecordData } from './mapping-evaluate.ts';

const NAMES = ['a', 'b', 'note', 'constructor', 'toString', 'total_2'];
const TYPES: MappingFieldType[] = ['money', 'integer', 'text', 'date', 'timestamp', 'boolean'];

function mapping(fields: Array<{ name: string; type: MappingFieldType; required: boolean }>, wrap: boolean): MappingConfig {
  return {
    stream: 'items',
    input: {},
    fields: Object.fromEntries(fields.map((f, i) => [`f${i}`, { expr: wrap ? `(${f.name})` : f.name, type: f.type, required: f.required }])),
  };
}

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('12.50', '-0.01', '7', '2026-12-07', '2026-12-07T10:00:00.000Z', '', 'true', 'x'),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom('1.00', 2, null), { maxLength: 2 }),
  fc.record({ x: fc.constantFrom('1', 2) }),
);

describe('a field that only names a column', () => {
  it('gives what JSONata gives for any data: the same values, or the same error for the same field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: fc.constantFrom(...NAMES), type: fc.constantFrom(...TYPES), required: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        fc.dictionary(fc.constantFrom(...NAMES), value),
        async (fields, data) => {
          const direct = compileMapping(mapping(fields, false), DEFAULT_MAPPING_LIMITS);
          const evaluated = compileMapping(mapping(fields, true), DEFAULT_MAPPING_LIMITS);
          expect(direct.fields.every((f) => f.plainName !== undefined)).toBe(true);
          expect(evaluated.fields.every((f) => f.plainName === undefined)).toBe(true);
          const { elapsedMs: _a, ...fast } = await mapRecordData(direct, data as JsonObject, { id: '1' });
          const { elapsedMs: _b, ...slow } = await mapRecordData(evaluated, data as JsonObject, { id: '1' });
          expect(fast).toEqual(slow);
        },
      ),
      { seed: 13, numRuns: 400 },
    );
  });

  it('leaves literals and operator words to JSONata', () => {
    const compiled = compileMapping(
      { stream: 'items', input: {}, fields: { t: { expr: 'true', type: 'boolean', required: false }, n: { expr: ' null ', type: 'text', required: false }, q: { expr: 'a.b', type: 'text', required: false } } },
      DEFAULT_MAPPING_LIMITS,
    );
    expect(compiled.fields.map((f) => f.plainName)).toEqual([undefined, undefined, undefined]);
  });
});
