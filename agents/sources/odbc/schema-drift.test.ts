import { describe, expect, it } from 'vitest';
import type { ColumnSignature } from './schema-drift.ts';
import { columnSignature, compareColumns, describeChange, onlyAdded, schemaDriftError } from './schema-drift.ts';

const planned: ColumnSignature[] = [
  ['id', 'int4'],
  ['total', 'numeric(12,2)'],
  ['note', 'text'],
];

describe('schema drift', () => {
  it('finds nothing when only the order changed', () => {
    expect(compareColumns(planned, [planned[2]!, planned[0]!, planned[1]!])).toEqual([]);
  });

  it('tells added, dropped, retyped and renamed columns apart', () => {
    expect(compareColumns(planned, [...planned, ['extra', 'text']])).toEqual([{ kind: 'added', column: 'extra', type: 'text' }]);
    expect(compareColumns(planned, planned.slice(0, 2))).toEqual([{ kind: 'dropped', column: 'note', type: 'text' }]);
    expect(compareColumns(planned, [planned[0]!, ['total', 'numeric(14,4)'], planned[2]!])).toEqual([
      { kind: 'retyped', column: 'total', from: 'numeric(12,2)', to: 'numeric(14,4)' },
    ]);
    // Gone and come with the same type: a rename (it reads as one to a person, either way it stops).
    expect(compareColumns(planned, [planned[0]!, planned[1]!, ['memo', 'text']])).toEqual([
      { kind: 'renamed', column: 'note', to: 'memo', type: 'text' },
    ]);
    // Gone and come with other types: a drop and an add.
    expect(compareColumns(planned, [planned[0]!, planned[1]!, ['memo', 'int4']])).toEqual([
      { kind: 'dropped', column: 'note', type: 'text' },
      { kind: 'added', column: 'memo', type: 'int4' },
    ]);
  });

  it('accepts only added columns, and says what changed and what to do', () => {
    expect(onlyAdded([{ kind: 'added', column: 'x', type: 'text' }])).toBe(true);
    expect(onlyAdded([{ kind: 'added', column: 'x', type: 'text' }, { kind: 'dropped', column: 'y', type: 'text' }])).toBe(false);
    const error = schemaDriftError({ source: 'erp', stream: 'invoices', table: 'public.invoices' }, [
      { kind: 'renamed', column: 'note', to: 'memo', type: 'text' },
    ]);
    expect(error).toMatchObject({ code: 'schema_drift' });
    expect(error.message).toBe(
      'Source "erp", stream "invoices": table public.invoices changed since the stream was planned: column "note" was renamed ' +
        'to "memo" (or dropped while "memo" was added). The stream stopped so no value is lost or lands in the wrong field; ' +
        'the other streams keep running.',
    );
    expect(error.hint).toMatch(/resync the stream/);
    expect(describeChange({ kind: 'retyped', column: 'a', from: 'int4', to: 'text' })).toBe('column "a" changed type from int4 to text');
  });

  it('ignores length changes of text and integer types, not of decimals', () => {
    const base = { select: 'x', compare: 'x', parameter: '?' };
    expect(columnSignature({ ...base, name: 'a', typeName: 'varchar(20)', kind: 'text' })).toEqual(['a', 'varchar']);
    expect(columnSignature({ ...base, name: 'b', typeName: 'bigint(20) unsigned', kind: 'integer' })).toEqual(['b', 'bigint unsigned']);
    expect(columnSignature({ ...base, name: 'c', typeName: 'decimal(12,2)', kind: 'decimal' })).toEqual(['c', 'decimal(12,2)']);
    expect(columnSignature({ ...base, name: 'd', typeName: 'tinyint(1)', kind: 'boolean' })).toEqual(['d', 'tinyint(1)']);
  });
});
