/** Why the mapping checker refuses an expression (money-checker.ts, lookup-check.ts): one shape for both. */
export type RefusalCode =
  | 'syntax'
  | 'money_arithmetic'
  | 'money_function'
  | 'money_comparison'
  | 'escape'
  | 'unknown_function'
  | 'undeclared_field'
  | 'rebinds_function'
  | 'unknown_lookup'
  | 'cannot_follow';

export interface Refusal {
  /** The target field whose expression is refused. */
  field: string;
  expression: string;
  code: RefusalCode;
  /** The money input (or helper result) involved, when there is one. */
  money?: string;
  /** Character offset in the expression. */
  position?: number;
  /** The whole sentence: field, expression, what is wrong, what to use instead. */
  message: string;
}
