/**
 * The one shape every reference and cleansing check reports (issue 13 items 2–4): a code a program can
 * branch on, the field path when the caller gave one, the offending value as it was read, and a sentence
 * a bookkeeper can act on. Validation (item 2) will collect these per record for the quarantine.
 */
export interface CheckFailure<Code extends string = string> {
  code: Code;
  /** Field path such as `lines[2].iban`, when the caller passed one. */
  path?: string;
  /** The value as it was given, before any cleaning. */
  value: unknown;
  message: string;
}

/** Either the cleaned value or why it could not be cleaned. */
export type CheckResult<T, Code extends string = string> = { ok: true; value: T } | { ok: false; error: CheckFailure<Code> };

/** Builds a failure, prefixing the message with the field path so it reads well on its own in a list. */
export function checkFailure<Code extends string>(code: Code, value: unknown, message: string, path?: string): CheckFailure<Code> {
  const failure: CheckFailure<Code> = { code, value, message: path === undefined ? message : `${path}: ${message}` };
  if (path !== undefined) failure.path = path;
  return failure;
}

export function failed<T, Code extends string>(code: Code, value: unknown, message: string, path?: string): CheckResult<T, Code> {
  return { ok: false, error: checkFailure(code, value, message, path) };
}
