/**
 * What mapping one record gives: the output record, or an error saying which field failed and why
 * (a limit, an error in the expression, a value of the wrong type). Plain data: it crosses the
 * worker boundary and the control API as it is.
 */
import type { JsonObject } from '../../api/index.ts';
import type { MappingLimitName } from './mapping-limits.ts';

/** `lookup`: a value its reference list lacks; `reference_unavailable`: the list was never fetched (held, replayed when it arrives). */
export type MappingErrorCode = 'limit' | 'expression' | 'type' | 'required' | 'internal' | 'lookup' | 'reference_unavailable';

export interface MappingError {
  code: MappingErrorCode;
  /** The target field being computed, when the error belongs to one. */
  field?: string;
  /** For `limit`: which one stopped the record. */
  limit?: MappingLimitName;
  message: string;
}

export type RecordMapping =
  | { ok: true; output: JsonObject; elapsedMs: number }
  | { ok: false; error: MappingError; elapsedMs: number };
