/**
 * The expression shapes mappings mostly use, as plain functions: a column name, a literal, a money
 * helper call, `&` of text, `=`/`!=` of text, numbers or booleans, and `cond ? a : b` on a boolean.
 * JSONata's evaluator costs 10–20 µs even for `$decimalSub(total, tax)` (bench/mapping); these cost
 * what the helper costs.
 *
 * A fast expression gives exactly what JSONata gives, or gives up: wherever JSONata has rules of its
 * own (a missing field, a list, an object, `$string` of a number, truthiness of a non-boolean) it
 * throws, and so does any error (a helper refusing a value), so the record is then
 * evaluated by JSONata, with JSONata's error. fast-expression.test.ts compares both on any data.
 */
import type jsonata from 'jsonata';
import type { JsonObject } from '../../api/index.ts';
import { MONEY_HELPERS } from './decimal-helpers.ts';

export type FastExpression = (data: JsonObject, bindings: Record<string, unknown>) => unknown;

/** Thrown by a fast expression that meets something only JSONata's rules decide (one instance: no stack to build). */
class NeedsJsonata extends Error {}
const NEEDS_JSONATA = new NeedsJsonata('evaluate with JSONata');

/** Helpers with no lookup tables and no context: what they return depends on their arguments only. */
const PURE_HELPERS = new Set(Object.keys(MONEY_HELPERS).filter((name) => name !== 'refLookup'));

/** An AST node as jsonata's parser gives it (its typings omit `path`, `condition` and their fields). */
interface Node {
  type: string;
  value?: unknown;
  position?: number;
  procedure?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  lhs?: Node;
  rhs?: Node;
  arguments?: Node[];
  steps?: Node[];
}

/** The expression as a function, or undefined when it has a shape only JSONata evaluates. */
export function fastExpression(ast: jsonata.ExprNode): FastExpression | undefined {
  return compile(ast as unknown as Node);
}

function compile(node: Node): FastExpression | undefined {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const value: unknown = node.value;
      return () => value;
    }
    case 'path':
      return columnName(node);
    case 'function':
      return helperCall(node);
    case 'binary':
      return binary(node);
    case 'condition':
      return condition(node);
    default:
      return undefined;
  }
}

/** `receipt_no`: one name step, nothing else (no predicate, no group, no focus). */
function columnName(node: Node): FastExpression | undefined {
  const steps = node.steps ?? [];
  const step = steps[0] as (Node & Record<string, unknown>) | undefined;
  if (steps.length !== 1 || step === undefined || step.type !== 'name' || typeof step.value !== 'string') return undefined;
  const extra = Object.keys(node).filter((k) => k !== 'type' && k !== 'steps' && k !== 'position');
  const stepExtra = Object.keys(step).filter((k) => k !== 'type' && k !== 'value' && k !== 'position');
  if (extra.length > 0 || stepExtra.length > 0) return undefined;
  const name = step.value;
  return (data) => {
    if (!Object.hasOwn(data, name)) throw NEEDS_JSONATA;
    return plain(data[name]);
  };
}

/** `$decimalSub(total, tax)`, `$string(text)`: a pure helper called by name with compiled arguments. */
function helperCall(node: Node): FastExpression | undefined {
  const procedure = node.procedure;
  if (procedure?.type !== 'variable' || typeof procedure.value !== 'string') return undefined;
  const args = (node.arguments ?? []).map((arg) => compile(arg));
  if (args.some((arg) => arg === undefined)) return undefined;
  const compiled = args as FastExpression[];
  const name = procedure.value;
  if (name === 'string' && compiled.length === 1) {
    const [arg] = compiled as [FastExpression];
    return (data, bindings) => {
      const value = arg(data, bindings);
      if (typeof value !== 'string') throw NEEDS_JSONATA;
      return value;
    };
  }
  if (!PURE_HELPERS.has(name)) return undefined;
  return (data, bindings) => {
    const fn = bindings[name];
    if (typeof fn !== 'function') throw NEEDS_JSONATA;
    return plain((fn as (...values: unknown[]) => unknown)(...compiled.map((arg) => arg(data, bindings))));
  };
}

function binary(node: Node): FastExpression | undefined {
  const lhs = node.lhs === undefined ? undefined : compile(node.lhs);
  const rhs = node.rhs === undefined ? undefined : compile(node.rhs);
  if (lhs === undefined || rhs === undefined) return undefined;
  switch (node.value) {
    case '&':
      // JSONata joins the text of each side, nothing for a missing one; other values have $string's rules.
      return (data, bindings) => text(lhs(data, bindings)) + text(rhs(data, bindings));
    case '=':
    case '!=': {
      const equal = node.value === '=';
      return (data, bindings) => {
        const a = lhs(data, bindings);
        const b = rhs(data, bindings);
        if (!comparable(a) || !comparable(b)) throw NEEDS_JSONATA;
        return (a === b) === equal;
      };
    }
    default:
      return undefined;
  }
}

/** `cond ? a : b` on a boolean condition (other values have JSONata's truthiness rules). */
function condition(node: Node): FastExpression | undefined {
  const test = node.condition === undefined ? undefined : compile(node.condition);
  const then = node.then === undefined ? undefined : compile(node.then);
  const otherwise = node.else === undefined ? () => undefined : compile(node.else);
  if (test === undefined || then === undefined || otherwise === undefined) return undefined;
  return (data, bindings) => {
    const value = test(data, bindings);
    if (typeof value !== 'boolean') throw NEEDS_JSONATA;
    return value ? then(data, bindings) : otherwise(data, bindings);
  };
}

function plain(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  throw NEEDS_JSONATA;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  throw NEEDS_JSONATA;
}

function comparable(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
