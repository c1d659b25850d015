/**
 * Expressions of the shapes fast-expression.ts turns into plain functions must give what JSONata
 * gives for any data: the same output, or the same error for the same field. Each mapping is compiled
 * twice, with and without the fast functions, and both map the same random records.
 */
import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import type { JsonObject, MappingConfig, MappingFieldType } from '../../api/index.ts';
import { fastExpression } from './fast-expression.ts';
import { DEFAULT_MAPPING_LIMITS } from './mapping-limits.ts';
import { compileMapping, mapRecordData } from './mapping-evaluate.ts';

/** Every shape the fast functions take, and a few they leave to JSONata, over the columns below. */
const EXPRESSIONS: Array<[string, MappingFieldType]> = [
  ['a', 'text'],
  ['total', 'money'],
  ['constructor', 'text'],
  ['"REG-" & $string(a)', 'text'],
  ['a & b', 'text'],
  ['$decimalSub(total, tax)', 'money'],
  ['$decimalAdd(total, "0.01")', 'money'],
  ["$round($decimalMul($decimalSub(total, tax), \"0.19\"), 2, 'HALF_EVEN')", 'money'],
  ['$decimalDiv(tax, $decimalSub(total, tax), 4)', 'money'],
  ['$decimalGte(total, "0") ? "debit" : "credit"', 'text'],
  ['a = "cash" ? "cash" : "non-cash"', 'text'],
  ['a != b', 'boolean'],
  ['n = 2', 'boolean'],
  ['flag ? a : b', 'text'],
  ['flag ? total', 'money'],
  ['true', 'boolean'],
  ['null', 'text'],
  ['42', 'integer'],
  ['$decimalNeg(total)', 'money'],
  ['$decimalCompare(total, tax)', 'integer'],
  ['$uppercase(a)', 'text'],
  ['a.b', 'text'],
];

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('12.50', '-0.01', '0', '7', '1e3', '2026-12-07', '', 'cash', 'x y', ' 3.10 '),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom('1.00', 2, null, 'cash'), { maxLength: 2 }),
  fc.record({ b: fc.constantFrom('1', 2) }),
);

function mapping(fields: Array<[string, MappingFieldType]>, required: boolean[]): MappingConfig {
  return {
    stream: 'items',
    input: {},
    fields: Object.fromEntries(fields.map(([expr, type], i) => [`f${i}`, { expr, type, required: required[i] ?? false }])),
  };
}

// JSONata's evaluator is slow next to the fast functions; on a loaded CI machine its 50 ms per record
// would turn a comparison of results into a comparison of timeouts.
const LIMITS = { ...DEFAULT_MAPPING_LIMITS, timeMs: 10_000, hardTimeMs: 20_000 };

describe('fast expressions', () => {
  it('give what JSONata gives for any data: the same values, or the same error for the same field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...EXPRESSIONS), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'total', 'tax', 'n', 'flag', 'constructor'), value),
        async (fields, required, data) => {
          const fast = compileMapping(mapping(fields, required), LIMITS);
          const slow = compileMapping(mapping(fields, required), LIMITS, undefined, { fast: false });
          const { elapsedMs: _a, ...ours } = await mapRecordData(fast, data as JsonObject, { id: '1' });
          const { elapsedMs: _b, ...theirs } = await mapRecordData(slow, data as JsonObject, { id: '1' });
          expect(ours).toEqual(theirs);
        },
      ),
      { seed: 13, numRuns: 1500 },
    );
  });

  it('take the shapes mappings mostly use and leave the rest to JSONata', () => {
    const taken = (expr: string) => fastExpression(jsonata(expr).ast()) !== undefined;
    for (const expr of ['a', '"REG-" & $string(a)', "$round($decimalMul(net, \"0.19\"), 2, 'HALF_EVEN')", 'a = "x" ? "y" : "z"', 'true', '2']) {
      expect(taken(expr), expr).toBe(true);
    }
    for (const expr of ['a.b', '$uppercase(a)', '(a)', 'a[0]', '$refLookup("tax", a)', '$key.id', 'a + 1', '$sum(a)', 'a ~> $string()']) {
      expect(taken(expr), expr).toBe(false);
    }
  });
});
