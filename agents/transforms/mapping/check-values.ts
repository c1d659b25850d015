/**
 * What the money checker knows about a value while it walks an expression: which money it may hold
 * (the input fields or helper results it came from) and, where it is known, its shape (so `lines.qty`
 * is an integer while `lines.amount` is money). Unknown shapes inherit the money of what they came
 * from, so a flow the checker cannot see into is treated as money, never as safe.
 */
import type { MappingFieldType, MappingInputFields } from '../../api/mapping-config.ts';
import type { ExprNode } from './jsonata-ast.ts';

export interface DataValue {
  kind: 'data';
  /** Where the money in this value may come from (`total`, `lines.amount`); empty: no money. */
  money: readonly string[];
  /** Known fields (input schema or an object the expression builds). */
  fields?: Readonly<Record<string, DataValue>>;
  /** The fields are the declared input: reading another name is an error, not an empty value. */
  declared?: boolean;
  /** `fields` holds its path from the record (for error messages). */
  path?: string;
}

export interface LambdaValue {
  kind: 'lambda';
  node: ExprNode;
  scope: Scope;
  context: DataValue;
}

export interface BuiltinValue {
  kind: 'builtin';
  name: string;
}

export type CheckValue = DataValue | LambdaValue | BuiltinValue;

export class Scope {
  private readonly vars = new Map<string, CheckValue>();
  private readonly parent: Scope | undefined;

  constructor(parent?: Scope) {
    this.parent = parent;
  }

  lookup(name: string): CheckValue | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }

  bind(name: string, value: CheckValue): void {
    this.vars.set(name, value);
  }

  child(): Scope {
    return new Scope(this);
  }
}

export const PLAIN: DataValue = { kind: 'data', money: [] };

export function moneyOf(value: CheckValue): readonly string[] {
  return value.kind === 'data' ? value.money : [];
}

/** The input schema as a value: each money leaf names its path. */
export function inputValue(fields: MappingInputFields, prefix = ''): DataValue {
  const children: Record<string, DataValue> = {};
  for (const [name, type] of Object.entries(fields)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    children[name] = typeof type === 'string' ? leafValue(type, path) : inputValue(type, path);
  }
  const money = Object.values(children).flatMap((c) => c.money);
  return { kind: 'data', money: unique(money), fields: children, declared: true, path: prefix };
}

function leafValue(type: MappingFieldType, path: string): DataValue {
  return { kind: 'data', money: type === 'money' ? [path] : [] };
}

/** What either of two values may be (a condition's branches, a reduce's accumulator). */
export function join(a: CheckValue, b: CheckValue): CheckValue {
  if (a === b) return a;
  if (a.kind === 'data' && b.kind === 'data') {
    const money = unique([...a.money, ...b.money]);
    if (a.fields === undefined || b.fields === undefined) return { kind: 'data', money };
    const names = new Set([...Object.keys(a.fields), ...Object.keys(b.fields)]);
    const fields: Record<string, DataValue> = {};
    for (const name of names) {
      const x = a.fields[name];
      const y = b.fields[name];
      fields[name] = x === undefined ? (y ?? PLAIN) : y === undefined ? x : (join(x, y) as DataValue);
    }
    return { kind: 'data', money, fields };
  }
  if (a.kind === 'lambda' && b.kind === 'lambda' && a.node === b.node) return a;
  if (a.kind === 'builtin' && b.kind === 'builtin' && a.name === b.name) return a;
  // Two different functions, or a function or data: no longer callable as a known function.
  return { kind: 'data', money: unique([...moneyOf(a), ...moneyOf(b)]) };
}

export function joinAll(values: readonly CheckValue[]): CheckValue {
  return values.reduce<CheckValue>((acc, v) => join(acc, v), PLAIN);
}

/** A value with its shape forgotten (keeps the analysis of recursion finite). */
export function flatten(value: CheckValue): CheckValue {
  return value.kind === 'data' ? { kind: 'data', money: value.money } : value;
}

/** True when `wide` already accounts for all the money `narrow` may hold. */
export function covers(wide: CheckValue, narrow: CheckValue): boolean {
  const known = new Set(moneyOf(wide));
  return moneyOf(narrow).every((m) => known.has(m)) && (narrow.kind === 'data' || wide.kind === narrow.kind);
}

/** `value.name`: a declared child, nothing (a scalar has no fields), or unknown with the parent's money. */
export function child(value: CheckValue, name: string): DataValue | { undeclared: string } {
  if (value.kind !== 'data') return PLAIN;
  if (value.fields !== undefined) {
    const found = Object.hasOwn(value.fields, name) ? value.fields[name] : undefined;
    if (found !== undefined) return found;
    if (value.declared === true) return { undeclared: value.path === undefined || value.path === '' ? name : `${value.path}.${name}` };
    return PLAIN;
  }
  return { kind: 'data', money: value.money };
}

/** `value.*` and `value.**`: any of its fields. */
export function anyField(value: CheckValue): DataValue {
  return { kind: 'data', money: moneyOf(value) };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
