/**
 * The static check run when a mapping is saved (issue 13 item 1): walks each expression's JSONata AST
 * and refuses floating-point arithmetic, `$number`, `$sum`, … on anything that may be money (a money
 * input field, a variable bound to one, a lambda's parameter, a helper's money result), `$eval`, and
 * any flow it cannot follow. docs/mappings.md lists what is refused and why.
 *
 * It is an abstract interpretation: every sub-expression gets a CheckValue (check-values.ts) saying
 * which money it may hold; lambdas are followed at their call sites with the arguments they get.
 */
import type { MappingConfig, MappingInputFields } from '../../api/mapping-config.ts';
import { ESCAPE_FUNCTIONS, FLOAT_FUNCTIONS, HIGHER_ORDER_FUNCTIONS, isKnownBuiltin, PASS_THROUGH_FUNCTIONS, PLAIN_RESULT_FUNCTIONS } from './builtin-functions.ts';
import { anyField, child, covers, flatten, inputValue, join, joinAll, moneyOf, PLAIN, Scope, type CheckValue, type DataValue, type LambdaValue } from './check-values.ts';
import { MONEY_HELPERS } from './decimal-helpers.ts';
import { lookupRefusals } from './lookup-check.ts';
import { parseExpression, type ExprNode } from './jsonata-ast.ts';
import type { Refusal, RefusalCode } from './refusal.ts';

export type { Refusal, RefusalCode };

class Refused extends Error {
  readonly code: RefusalCode;
  readonly detail: string;
  readonly position: number | undefined;
  readonly money: string | undefined;

  constructor(code: RefusalCode, detail: string, position: number | undefined, money?: string) {
    super(detail);
    this.code = code;
    this.detail = detail;
    this.position = position;
    this.money = money;
  }
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '..']);
const COMPARISON = new Set(['=', '!=', '<', '<=', '>', '>=']);
/** Nodes visited per expression before it is refused as too complex to check (recursion through many call sites). */
const MAX_VISITS = 50_000;
/** Lambdas followed inside each other at once. */
const MAX_CALL_DEPTH = 24;

/** Checks every field of a mapping; an empty list means it may be saved. */
export function checkMapping(mapping: Pick<MappingConfig, 'input' | 'fields' | 'lookups'>): Refusal[] {
  const refusals: Refusal[] = [];
  for (const [field, target] of Object.entries(mapping.fields)) {
    const refusal = checkExpression(target.expr, mapping.input, field);
    if (refusal !== undefined) refusals.push(refusal);
  }
  const checked = new Set(refusals.map((r) => r.field));
  return [...refusals, ...lookupRefusals(mapping).filter((r) => !checked.has(r.field))];
}

/** The first reason to refuse one expression, or undefined when it may be saved. */
export function checkExpression(expression: string, input: MappingInputFields, field = 'expression'): Refusal | undefined {
  const parsed = parseExpression(expression);
  const refusal = (code: RefusalCode, detail: string, position?: number, money?: string): Refusal => {
    const at = position === undefined ? '' : ` (at character ${position})`;
    const r: Refusal = { field, expression, code, message: `Field "${field}": ${JSON.stringify(expression)}${at}: ${detail}` };
    if (money !== undefined) r.money = money;
    if (position !== undefined) r.position = position;
    return r;
  };
  if (!parsed.ok) return refusal('syntax', `not valid JSONata: ${parsed.message}.`, parsed.position);
  try {
    new Walker(inputValue(input)).run(parsed.ast);
    return undefined;
  } catch (error) {
    if (error instanceof Refused) return refusal(error.code, error.detail, error.position, error.money);
    throw error;
  }
}

interface ActiveCall {
  args: CheckValue[];
  assumed: CheckValue;
  again: boolean;
}

class Walker {
  private visits = 0;
  private depth = 0;
  private readonly active = new Map<ExprNode, ActiveCall>();

  private readonly root: DataValue;

  constructor(root: DataValue) {
    this.root = root;
  }

  run(ast: ExprNode): CheckValue {
    const scope = new Scope();
    for (const name of Object.keys(MONEY_HELPERS)) scope.bind(name, { kind: 'builtin', name });
    scope.bind('key', { kind: 'data', money: [] });
    scope.bind('$', this.root);
    return this.eval(ast, this.root, scope);
  }

  private eval(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    if (++this.visits > MAX_VISITS) throw new Refused('cannot_follow', 'too complex for the checker to follow (recursion through many calls); simplify it.', node.position);
    const value = this.evalNode(node, ctx, scope);
    if (node.predicate !== undefined) this.filters(node.predicate, value, scope);
    return value;
  }

  private evalNode(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    switch (node.type) {
      case 'string':
      case 'number':
      case 'value':
      case 'regexp':
      case 'regex':
        return PLAIN;
      case 'name':
        return this.name(node, ctx);
      case 'wildcard':
      case 'descendant':
        return anyField(ctx);
      case 'parent':
        // An ancestor of the context: any input the record has.
        return { kind: 'data', money: [...new Set([...this.root.money, ...ctx.money])] };
      case 'variable':
        return this.variable(node, ctx, scope);
      case 'path':
        return this.path(node, ctx, scope);
      case 'block': {
        const inner = scope.child();
        let last: CheckValue = PLAIN;
        for (const e of node.expressions ?? []) last = this.eval(e, ctx, inner);
        return last;
      }
      case 'bind':
        return this.bind(node, ctx, scope);
      case 'condition': {
        this.eval(need(node.condition, node), ctx, scope);
        const then = this.eval(need(node.then, node), ctx, scope);
        return node.else === undefined ? then : join(then, this.eval(node.else, ctx, scope));
      }
      case 'binary':
        return this.binary(node, ctx, scope);
      case 'unary':
        return this.unary(node, ctx, scope);
      case 'lambda':
        // JSONata wraps a lambda's tail call in a thunk it runs at once (tail-call optimisation).
        if (node.thunk === true) return this.eval(need(node.body, node), ctx, scope);
        return { kind: 'lambda', node, scope, context: ctx };
      case 'function': {
        const callee = this.eval(need(node.procedure, node), ctx, scope);
        const args = (node.arguments ?? []).map((a) => this.eval(a, ctx, scope));
        return this.call(callee, args, node);
      }
      case 'apply':
        return this.apply(node, ctx, scope);
      case 'sort':
        for (const term of node.terms ?? []) {
          const key = this.eval(term.expression, ctx, scope);
          const money = moneyOf(key)[0];
          if (money !== undefined) throw new Refused('money_comparison', `sorts by money ("${money}"), which compares text or floats: sort with $sort and $decimalCompare.`, node.position, money);
        }
        return ctx;
      default:
        // partial application, transform (| |), and anything newer than this checker
        throw new Refused('cannot_follow', `uses ${describeNode(node)}, which the checker cannot follow; write it another way.`, node.position);
    }
  }

  private name(node: ExprNode, ctx: DataValue): CheckValue {
    const found = child(ctx, String(node.value));
    if ('undeclared' in found) {
      throw new Refused('undeclared_field', `reads "${found.undeclared}", which the mapping's "input" does not declare: add it with its type (money, integer, text, date, timestamp, boolean).`, node.position);
    }
    return found;
  }

  private variable(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    const name = String(node.value);
    if (name === '') return ctx;
    const value = scope.lookup(name);
    if (value !== undefined) return value;
    if (isKnownBuiltin(name)) return { kind: 'builtin', name };
    throw new Refused('unknown_function', `$${name} is not a variable bound in the expression, a JSONata function or a mapping helper.`, node.position);
  }

  private path(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    const inner = scope.child();
    let value: CheckValue = ctx;
    for (const step of node.steps ?? []) {
      value = this.eval(step, asData(value, step), inner);
      if (step.focus !== undefined) inner.bind(step.focus, value);
      if (step.index !== undefined) inner.bind(step.index, PLAIN);
      if (step.stages !== undefined) this.filters(step.stages, value, inner);
    }
    if (node.group !== undefined) return this.object(node.group.lhs, asData(value, node), inner);
    return value;
  }

  /** `[…]` filters and `#$i` stages: checked in the item's context; they select, they do not produce. */
  private filters(stages: ExprNode[], item: CheckValue, scope: Scope): void {
    for (const stage of stages) if (stage.expr !== undefined) this.eval(stage.expr, asData(item, stage), scope);
  }

  private bind(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    const target = node.lhs as ExprNode;
    const name = String(target.value);
    if (Object.hasOwn(MONEY_HELPERS, name) || isKnownBuiltin(name)) {
      throw new Refused('rebinds_function', `$${name} := … replaces a function the checker relies on; choose another name.`, target.position);
    }
    const value = this.eval(need(node.rhs, node), ctx, scope);
    scope.bind(name, value);
    return value;
  }

  private binary(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    const op = String(node.value);
    const lhs = this.eval(node.lhs as ExprNode, ctx, scope);
    const rhs = this.eval(need(node.rhs, node), ctx, scope);
    const money = moneyOf(lhs)[0] ?? moneyOf(rhs)[0];
    if (ARITHMETIC.has(op)) {
      if (money !== undefined) throw new Refused('money_arithmetic', `"${op}" is floating-point arithmetic on money ("${money}"): use ${helperFor(op)}.`, node.position, money);
      return PLAIN;
    }
    if (COMPARISON.has(op)) {
      if (money !== undefined) throw new Refused('money_comparison', `"${op}" compares money ("${money}") as text or floats ("1.50" is not "1.5"): use $decimalEq, $decimalLt, $decimalGt or $decimalCompare.`, node.position, money);
      return PLAIN;
    }
    if (op === 'in') {
      if (money !== undefined) throw new Refused('money_comparison', `"in" compares money ("${money}") as text ("1.50" is not "1.5"): use $decimalEq.`, node.position, money);
      return PLAIN;
    }
    if (op === 'and' || op === 'or') return PLAIN;
    if (op === '&') return joinAll([flatten(lhs), flatten(rhs)]);
    throw new Refused('cannot_follow', `uses the operator "${op}", which the checker cannot follow.`, node.position);
  }

  private unary(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    switch (node.value) {
      case '-': {
        const value = this.eval(need(node.expression, node), ctx, scope);
        const money = moneyOf(value)[0];
        if (money !== undefined) throw new Refused('money_arithmetic', `"-" negates money ("${money}") as a float: use $decimalNeg.`, node.position, money);
        return PLAIN;
      }
      case '[':
        return joinAll((node.expressions ?? []).map((e) => flatten(this.eval(e, ctx, scope))));
      case '{':
        return this.object(node.lhs as Array<[ExprNode, ExprNode]>, ctx, scope);
      default:
        throw new Refused('cannot_follow', `uses ${describeNode(node)}, which the checker cannot follow.`, node.position);
    }
  }

  /** `{"a": x, "b": y}`: an object whose literal keys stay known, so `{"a": total}.a * 2` is still caught. */
  private object(pairs: Array<[ExprNode, ExprNode]>, ctx: DataValue, scope: Scope): CheckValue {
    const fields: Record<string, DataValue> = {};
    let literal = true;
    const money: string[] = [];
    for (const [keyNode, valueNode] of pairs) {
      // A key computed from money carries it too: `$keys({total: 1})` is the amount's text.
      money.push(...moneyOf(this.eval(keyNode, ctx, scope)));
      const value = asData(this.eval(valueNode, ctx, scope), valueNode);
      money.push(...value.money);
      if (keyNode.type === 'string') fields[String(keyNode.value)] = value;
      else literal = false;
    }
    const all = [...new Set(money)];
    return literal ? { kind: 'data', money: all, fields } : { kind: 'data', money: all };
  }

  /** `x ~> $f(a)` is `$f(x, a)`; `x ~> $f` is `$f(x)`. */
  private apply(node: ExprNode, ctx: DataValue, scope: Scope): CheckValue {
    const lhs = this.eval(node.lhs as ExprNode, ctx, scope);
    const rhs = need(node.rhs, node);
    if (lhs.kind !== 'data') throw new Refused('cannot_follow', 'composes functions with ~>, which the checker cannot follow.', node.position);
    if (rhs.type === 'function') {
      const callee = this.eval(need(rhs.procedure, rhs), ctx, scope);
      const args = (rhs.arguments ?? []).map((a) => this.eval(a, ctx, scope));
      return this.call(callee, [lhs, ...args], rhs);
    }
    if (rhs.type === 'transform') throw new Refused('cannot_follow', 'uses a transform (| … |), which the checker cannot follow.', rhs.position);
    return this.call(this.eval(rhs, ctx, scope), [lhs], rhs);
  }

  private call(callee: CheckValue, args: CheckValue[], site: ExprNode): CheckValue {
    if (callee.kind === 'lambda') return this.callLambda(callee, args, site);
    if (callee.kind === 'data') throw new Refused('cannot_follow', 'calls a function chosen at run time, which the checker cannot follow.', site.position);
    const name = callee.name;
    const money = args.flatMap(moneyOf)[0];
    if (ESCAPE_FUNCTIONS.has(name)) throw new Refused('escape', `$${name} evaluates text the checker never sees: refused in configured mappings.`, site.position);
    const helper = Object.hasOwn(MONEY_HELPERS, name) ? MONEY_HELPERS[name as keyof typeof MONEY_HELPERS] : undefined;
    if (helper !== undefined) {
      args.forEach((a, i) => {
        if (a.kind !== 'data') throw new Refused('cannot_follow', `passes a function to $${name} (argument ${i + 1}).`, site.position);
      });
      return helper.returns === 'money' ? { kind: 'data', money: [`the result of $${name}`] } : PLAIN;
    }
    const instead = FLOAT_FUNCTIONS.get(name);
    if (instead !== undefined) {
      if (money !== undefined) throw new Refused('money_function', `$${name} turns money ("${money}") into a floating-point number: use ${instead}.`, site.position, money);
      this.callArguments(args, [], site);
      return PLAIN;
    }
    if (HIGHER_ORDER_FUNCTIONS.has(name)) return this.higherOrder(name, args, site);
    const data = args.filter((a) => a.kind === 'data');
    this.callArguments(args, data, site);
    if (PLAIN_RESULT_FUNCTIONS.has(name)) return PLAIN;
    if (PASS_THROUGH_FUNCTIONS.has(name)) return joinAll(data.map(flatten));
    throw new Refused('unknown_function', `$${name} is not a JSONata function or a mapping helper.`, site.position);
  }

  /** A function handed to a function the checker does not model as calling it: followed with every data argument. */
  private callArguments(args: CheckValue[], data: CheckValue[], site: ExprNode): void {
    const everything = joinAll(data.map(flatten));
    for (const fn of args) if (fn.kind !== 'data') this.call(fn, [everything, everything, everything], site);
  }

  private higherOrder(name: string, args: CheckValue[], site: ExprNode): CheckValue {
    const [subject = PLAIN, fn, extra] = args;
    if (fn === undefined || fn.kind === 'data') {
      const money = moneyOf(subject)[0];
      if (name === 'sort' && money !== undefined) {
        throw new Refused('money_comparison', `$sort without a function orders money ("${money}") as text or floats: give it a function using $decimalCompare.`, site.position, money);
      }
      if (name === 'sort' || name === 'replace') return joinAll(args.map(flatten));
      throw new Refused('cannot_follow', `$${name} needs a function the checker can see as its second argument.`, site.position);
    }
    const item = subject;
    switch (name) {
      case 'map':
        return this.call(fn, [item, PLAIN, item], site);
      case 'filter':
      case 'single':
      case 'sift':
      case 'each': {
        const result = this.call(fn, [item, PLAIN, item], site);
        return name === 'each' ? result : subject;
      }
      case 'sort':
        this.call(fn, [item, item], site);
        return subject;
      case 'replace': {
        const replaced = this.call(fn, [item], site);
        return join(item, flatten(replaced));
      }
      case 'reduce': {
        let acc: CheckValue = flatten(extra ?? PLAIN);
        for (let i = 0; i < 8; i += 1) {
          const next = join(acc, flatten(this.call(fn, [acc, item, PLAIN, item], site)));
          if (covers(acc, next)) return acc;
          acc = next;
        }
        throw new Refused('cannot_follow', '$reduce whose accumulator the checker cannot settle.', site.position);
      }
      default:
        throw new Refused('cannot_follow', `$${name} with a function argument.`, site.position);
    }
  }

  /**
   * Follows a lambda with these arguments. A recursive call returns the result assumed so far; the
   * body is checked again until the assumption and the arguments seen stop growing.
   */
  private callLambda(fn: LambdaValue, args: CheckValue[], site: ExprNode): CheckValue {
    const running = this.active.get(fn.node);
    if (running !== undefined) {
      const widened = running.args.map((a, i) => join(a, flatten(args[i] ?? PLAIN)));
      if (widened.some((w, i) => !covers(running.args[i] ?? PLAIN, w))) {
        running.args = widened;
        running.again = true;
      }
      return running.assumed;
    }
    if (this.depth >= MAX_CALL_DEPTH) throw new Refused('cannot_follow', `calls functions more than ${MAX_CALL_DEPTH} deep, which the checker cannot follow.`, site.position);
    const params = fn.node.arguments ?? [];
    const entry: ActiveCall = { args: params.map((_, i) => args[i] ?? PLAIN), assumed: PLAIN, again: false };
    this.active.set(fn.node, entry);
    this.depth += 1;
    try {
      for (let round = 0; round < 8; round += 1) {
        entry.again = false;
        const scope = fn.scope.child();
        params.forEach((p, i) => scope.bind(String(p.value), entry.args[i] ?? PLAIN));
        const result = this.eval(need(fn.node.body, fn.node), fn.context, scope);
        // A function result is not assumed for recursive calls: calling one is refused as a run-time choice.
        if (!entry.again && (result.kind !== 'data' || covers(entry.assumed, result))) return result;
        entry.assumed = join(entry.assumed, flatten(result));
      }
      throw new Refused('cannot_follow', 'a recursive function whose result the checker cannot settle.', site.position);
    } finally {
      this.depth -= 1;
      this.active.delete(fn.node);
    }
  }
}

function asData(value: CheckValue, at: ExprNode): DataValue {
  if (value.kind === 'data') return value;
  throw new Refused('cannot_follow', 'uses a function as data, which the checker cannot follow.', at.position);
}

function need(node: ExprNode | undefined, parent: ExprNode): ExprNode {
  if (node === undefined) throw new Refused('cannot_follow', `has a ${parent.type} the checker cannot read.`, parent.position);
  return node;
}

function helperFor(op: string): string {
  const map: Record<string, string> = { '+': '$decimalAdd', '-': '$decimalSub', '*': '$decimalMul', '/': '$decimalDiv(a, b, scale)', '%': '$decimalSub and $decimalDiv', '..': 'whole numbers' };
  return map[op] ?? 'the decimal helpers';
}

function describeNode(node: ExprNode): string {
  if (node.type === 'partial') return 'partial application (?)';
  if (node.type === 'transform') return 'a transform (| … |)';
  return `a "${node.type}" expression`;
}
