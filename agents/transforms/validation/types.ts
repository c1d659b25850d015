/** The validator's public shapes (issue 13 item 2); the lead's quarantine and capture code depend on them. */
import type { JsonObject, JsonValue } from '../../api/index.ts';

export type FailureSeverity = 'reject' | 'hold' | 'warn';

export interface ValidationFailure {
  code: string;
  /** Field path in the mapped record, e.g. "lines[2].amount"; "" for the record as a whole. */
  path: string;
  /** The offending value (absent when the field is missing). */
  value?: JsonValue;
  /** A sentence a bookkeeper can act on: what is wrong, what was expected, what to do. */
  message: string;
  /** reject -> quarantine; hold -> quarantine as held (a person decides); warn -> reported, still sent. */
  severity: FailureSeverity;
}

export interface ReferenceLookup {
  /** undefined: the list was never fetched for this entity. */
  rows(entity: string, list: string): readonly Record<string, string>[] | undefined;
}

export interface RecordToValidate {
  key: JsonObject;
  group?: string | undefined;
  /** undefined: a delete, never validated. */
  data: JsonObject | undefined;
}

export interface ValidationContext {
  entity: string;
  reference: ReferenceLookup;
}

/** A rules file that cannot be used; the message names the file, the place in it and what was expected. */
export class RulesFileError extends Error {
  override name = 'RulesFileError';
}
