/** Turns ajv's errors into failures a bookkeeper can read: one code per kind, the field path, the value. */
import type { JsonValue } from '../../api/index.ts';
import { FORMAT_EXPECTATIONS, type SchemaError } from './formats.ts';
import { pointerToPath } from './field-path.ts';
import type { ValidationFailure } from './types.ts';

const RANGE = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'decimalMinimum', 'decimalMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems']);

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function schemaFailure(error: SchemaError): ValidationFailure {
  const base = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const field = base === '' ? 'the record' : base;
  const value = error.data as JsonValue;
  const fix = 'Correct it in the source system (or the mapping), then replay.';
  if (error.keyword === 'required') {
    const missing = String(params['missingProperty']);
    const path = base === '' ? missing : `${base}.${missing}`;
    return { code: 'required', path, message: `${path} is missing but required. ${fix}`, severity: 'reject' };
  }
  const failure = (code: string, expected: string): ValidationFailure => ({
    code,
    path: base,
    value,
    message: `${field} is ${show(value)}; expected ${expected}. ${fix}`,
    severity: 'reject',
  });
  if (error.keyword === 'type') return failure('type', `a value of type ${String(params['type'])}`);
  if (error.keyword === 'format') {
    const format = String(params['format']);
    return failure('format', FORMAT_EXPECTATIONS[format] ?? `format "${format}"`);
  }
  if (error.keyword === 'pattern') return failure('format', `text matching ${String(params['pattern'])}`);
  if (RANGE.has(error.keyword)) {
    const limit = error.keyword.startsWith('decimal') ? String(error.schema) : JSON.stringify(params['limit'] ?? '');
    const words: Record<string, string> = {
      minimum: 'at least', decimalMinimum: 'at least', exclusiveMinimum: 'more than', minLength: 'a length of at least', minItems: 'at least (items)',
      maximum: 'at most', decimalMaximum: 'at most', exclusiveMaximum: 'less than', maxLength: 'a length of at most', maxItems: 'at most (items)',
    };
    return failure('range', `${words[error.keyword] ?? error.keyword} ${limit}`);
  }
  if (error.keyword === 'enum' || error.keyword === 'const') {
    const allowed = error.keyword === 'enum' ? (params['allowedValues'] as unknown[]) : [params['allowedValue']];
    return failure('enum', `one of ${allowed.map(show).join(', ')}`);
  }
  if (error.keyword === 'additionalProperties') {
    const extra = String(params['additionalProperty']);
    const path = base === '' ? extra : `${base}.${extra}`;
    return { code: 'unexpected_field', path, message: `${path} is not a field this stream accepts. Remove it from the mapping or add it to the rules file's schema.`, severity: 'reject' };
  }
  return failure('schema', `to satisfy "${error.keyword}" (${error.message ?? ''})`);
}
