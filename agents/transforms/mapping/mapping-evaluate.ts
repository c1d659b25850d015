/**
 * Compiles a mapping and maps one record's data, inside the mapping thread (mapping-worker.ts).
 * JSONata's guardrails stop a record at the time and depth limits between steps; the money helpers
 * are bound over the built-ins (so `$round` is the decimal one) and `$eval` is bound to a refusal,
 * in case a mapping reaches here without having been checked.
 */
import jsonata from 'jsonata';
import type { JsonObject, MappingConfig, RecordKey } from '../../api/index.ts';
import { MONEY_HELPERS } from './decimal-helpers.ts';
import { fastExpression, type FastExpression } from './fast-expression.ts';
import { coerceField, showValue } from './field-types.ts';
import { LookupFailure, lookupFunction, type LookupTables } from './lookup-helper.ts';
import type { MappingLimits } from './mapping-limits.ts';
import type { MappingError, RecordMapping } from './mapping-result.ts';

export interface CompiledMapping {
  fields: Array<{
    name: string;
    type: MappingConfig['fields'][string]['type'];
    required: boolean;
    expression: jsonata.Expression;
    /** The expression as a plain function when it has a shape fast-expression.ts knows; JSONata otherwise. */
    fast: FastExpression | undefined;
  }>;
  limits: MappingLimits;
  /** The helpers with `$refLookup` bound to this mapping's tables. */
  bindings: Record<string, unknown>;
}

const HELPER_BINDINGS: Record<string, unknown> = {
  ...Object.fromEntries(Object.entries(MONEY_HELPERS).map(([name, helper]) => [name, helper.fn])),
  eval: () => {
    throw new Error('$eval is not allowed in a configured mapping.');
  },
};

/**
 * Throws JSONata's syntax error for a bad expression (the checker has reported it before).
 * `fast: false` evaluates every field with JSONata (what the fast functions are tested against).
 */
export function compileMapping(mapping: MappingConfig, limits: MappingLimits, tables?: LookupTables, options: { fast?: boolean } = {}): CompiledMapping {
  const guardrails = { timeout: limits.timeMs, stack: limits.maxDepth, sequence: limits.maxSequence };
  return {
    limits,
    bindings: { ...HELPER_BINDINGS, refLookup: lookupFunction(tables) },
    fields: Object.entries(mapping.fields).map(([name, field]) => {
      const expression = jsonata(field.expr, guardrails);
      return { name, type: field.type, required: field.required, expression, fast: options.fast === false ? undefined : fastExpression(expression.ast()) };
    }),
  };
}

/** A field's value still to be computed by JSONata. */
const EVALUATE_INSTEAD = Symbol('evaluate with JSONata');

export async function mapRecordData(compiled: CompiledMapping, data: JsonObject, key: RecordKey, now: () => number = performance.now.bind(performance)): Promise<RecordMapping> {
  const started = now();
  const output: JsonObject = {};
  const bindings = { ...compiled.bindings, key };
  const fail = (error: MappingError): RecordMapping => ({ ok: false, error, elapsedMs: now() - started });
  for (const field of compiled.fields) {
    let value: unknown = EVALUATE_INSTEAD;
    if (field.fast !== undefined) {
      try {
        value = field.fast(data, bindings);
      } catch {
        // Something only JSONata's rules decide, or an error: JSONata evaluates it and says what is wrong.
        value = EVALUATE_INSTEAD;
      }
    }
    try {
      if (value === EVALUATE_INSTEAD) value = await field.expression.evaluate(data, bindings);
    } catch (error) {
      return fail(describeFailure(error, field.name, compiled.limits));
    }
    if (now() - started > compiled.limits.timeMs) {
      return fail({ code: 'limit', limit: 'time', field: field.name, message: `The record took more than ${compiled.limits.timeMs} ms to map (stopped at field "${field.name}").` });
    }
    if (Array.isArray(value) && value.length !== 1) {
      return fail({ code: 'type', field: field.name, message: `Field "${field.name}" gave ${value.length} values (${showValue(value)}); a field holds one: pick one or join them.` });
    }
    const single: unknown = Array.isArray(value) ? value[0] : value;
    if ((single === undefined || single === null) && field.required) {
      return fail({ code: 'required', field: field.name, message: `Field "${field.name}" is required but its expression gave ${single === null ? 'null' : 'nothing'}.` });
    }
    const coerced = coerceField(field.type, single);
    if (!coerced.ok) {
      return fail({ code: 'type', field: field.name, message: `Field "${field.name}" must be ${coerced.expected}; the expression gave ${showValue(single)}.` });
    }
    output[field.name] = coerced.value;
  }
  const bytes = Buffer.byteLength(JSON.stringify(output));
  if (bytes > compiled.limits.maxOutputBytes) {
    return fail({ code: 'limit', limit: 'output', message: `The mapped record is ${bytes} bytes, over the limit of ${compiled.limits.maxOutputBytes} bytes.` });
  }
  return { ok: true, output, elapsedMs: now() - started };
}

/** JSONata's guardrail codes → the limit that stopped the record; anything else is the expression's own error. */
function describeFailure(error: unknown, field: string, limits: MappingLimits): MappingError {
  const e = (error ?? {}) as { code?: string; message?: string; position?: number };
  const message = e.message ?? String(error);
  if (error instanceof LookupFailure) return { code: error.lookupCode, field, message: `Field "${field}": ${message}` };
  switch (e.code) {
    case 'D1012':
      return { code: 'limit', limit: 'time', field, message: `The record took more than ${limits.timeMs} ms to map (stopped in field "${field}"): look for a loop that does not end.` };
    case 'D1011':
      return { code: 'limit', limit: 'depth', field, message: `Field "${field}" went deeper than ${limits.maxDepth} nested steps: look for a recursion that does not end.` };
    case 'D2014':
    case 'D2015':
      return { code: 'limit', limit: 'sequence', field, message: `Field "${field}" built a list longer than ${limits.maxSequence} items.` };
    default:
      break;
  }
  if (error instanceof RangeError && /call stack/i.test(message)) {
    return { code: 'limit', limit: 'depth', field, message: `Field "${field}" recursed until the thread's stack ran out: look for a recursion that does not end.` };
  }
  if (error instanceof RangeError && /string length|array length/i.test(message)) {
    return { code: 'limit', limit: 'output', field, message: `Field "${field}" built a value too large for memory.` };
  }
  const at = typeof e.position === 'number' ? ` (at character ${e.position})` : '';
  return { code: 'expression', field, message: `Field "${field}"${at}: ${message}` };
}
