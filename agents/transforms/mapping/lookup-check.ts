/**
 * Save-time check of `$refLookup` calls: the first argument must be a string literal naming a lookup the
 * mapping declares (a name computed at run time is a flow the checker cannot follow), so a typo is
 * refused when the mapping is saved instead of quarantining every record.
 */
import type { MappingConfig } from '../../api/index.ts';
import { parseExpression, type ExprNode } from './jsonata-ast.ts';
import type { Refusal } from './refusal.ts';

export function lookupRefusals(mapping: Pick<MappingConfig, 'fields' | 'lookups'>): Refusal[] {
  const declared = new Set(Object.keys(mapping.lookups ?? {}));
  const refusals: Refusal[] = [];
  for (const [field, target] of Object.entries(mapping.fields)) {
    const parsed = parseExpression(target.expr);
    if (!parsed.ok) continue; // the money checker reports syntax errors
    const problem = findProblem(parsed.ast, declared);
    if (problem === undefined) continue;
    const at = problem.position === undefined ? '' : ` (at character ${problem.position})`;
    const refusal: Refusal = { field, expression: target.expr, code: problem.code, message: `Field "${field}": ${JSON.stringify(target.expr)}${at}: ${problem.detail}` };
    if (problem.position !== undefined) refusal.position = problem.position;
    refusals.push(refusal);
  }
  return refusals;
}

interface Problem {
  code: Refusal['code'];
  detail: string;
  position?: number | undefined;
}

function findProblem(node: unknown, declared: Set<string>): Problem | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findProblem(item, declared);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const expr = node as ExprNode;
  if (expr.type === 'function' && expr.procedure?.type === 'variable' && expr.procedure.value === 'refLookup') {
    const first = expr.arguments?.[0];
    if (first?.type !== 'string') {
      return { code: 'cannot_follow', detail: '$refLookup takes the lookup\'s name as a quoted string first, e.g. $refLookup("taxCode", tax_key).', position: expr.position };
    }
    if (!declared.has(String(first.value))) {
      const known = declared.size === 0 ? 'the mapping declares none' : `declared: ${[...declared].join(', ')}`;
      return { code: 'unknown_lookup', detail: `$refLookup("${String(first.value)}") names no lookup (${known}); add it under "lookups".`, position: first.position };
    }
  }
  for (const value of Object.values(expr)) {
    const found = findProblem(value, declared);
    if (found !== undefined) return found;
  }
  return undefined;
}
