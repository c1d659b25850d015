/**
 * A cursor or append stream's committed checkpoint:
 *
 *   {"cursor": "2024-05-01 10:00:00.000005", "key": ["42"], "scanning": true, "seen": [[digest, cursor], …],
 *    "columns": [[name, type], …]}
 *
 * `cursor` and `key` are the exact database text of the last row read (never through a JS number or
 * Date, so µs and 19-digit keys survive); `cursor` is an array with several cursor columns, absent
 * in append mode. `seen` is the SeenWindow, `columns` what the stream was planned with
 * (schema-drift.ts). Checkpoints of the first version (`{cursor, key}` only) are read as they are.
 */
import type { JsonObject, JsonValue } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { ColumnSignature } from '../schema-drift.ts';
import { parseSignatures } from '../schema-drift.ts';
import type { StreamPlan } from '../stream-plan.ts';
import { SeenWindow } from './seen-window.ts';

export interface CursorPosition {
  /** Texts of the cursor columns (empty in append mode). */
  cursor: string[];
  key: string[];
}

export interface CursorState {
  position: CursorPosition | null;
  /**
   * A round was under way at this position (its last page was not read yet): the next read goes on
   * after the position rather than back to the window, which starts from the newest row of a round.
   */
  scanning: boolean;
  seen: SeenWindow;
  /** The columns the stream was planned with when this state was saved; null when not recorded. */
  columns: ColumnSignature[] | null;
}

export function parseCursorCheckpoint(
  value: JsonValue | undefined,
  source: string,
  plan: StreamPlan,
  millis: (cursor: string) => number | null,
): CursorState {
  const empty: CursorState = { position: null, scanning: false, seen: new SeenWindow(), columns: null };
  if (value === undefined || value === null) return empty;
  const fail = (why: string): never => {
    throw new PermanentError(
      'odbc_checkpoint_mismatch',
      `Source "${source}", stream "${plan.stream}": the saved position ${JSON.stringify(value).slice(0, 200)} ${why}.`,
      {
        hint:
          'The stream configuration (mode, key or cursor columns) changed since the position was saved. ' +
          'Resync the stream so it is read again from the start (the cloud ignores rows it already has).',
      },
    );
  };
  if (typeof value !== 'object' || Array.isArray(value)) return fail('is not a {cursor, key} object');
  if (value.mode !== undefined && value.mode !== plan.mode) return fail(`was written in ${JSON.stringify(value.mode)} mode`);
  const columns = parseSignatures(value.columns);
  const seen = SeenWindow.fromJson(value.seen, millis);
  const rawCursor = value.cursor ?? null;
  const key = value.key ?? null;
  if (key === null && (rawCursor === null || (Array.isArray(rawCursor) && rawCursor.length === 0))) {
    return { ...empty, columns };
  }
  const cursor = typeof rawCursor === 'string' ? [rawCursor] : rawCursor === null ? [] : rawCursor;
  if (!Array.isArray(cursor) || !cursor.every((part) => typeof part === 'string')) return fail('has no cursor texts');
  if (cursor.length !== plan.cursors.length) {
    return plan.cursors.length === 0
      ? fail('has a cursor, but append mode reads none')
      : fail(`has ${cursor.length} cursor values but the stream has ${plan.cursors.length} cursor columns`);
  }
  if (!Array.isArray(key) || !key.every((part) => typeof part === 'string')) return fail('has no key texts');
  if (key.length !== plan.keys.length) return fail(`has ${key.length} key values but keyColumns lists ${plan.keys.length}`);
  return { position: { cursor, key }, scanning: value.scanning === true, seen, columns };
}

export function cursorCheckpointJson(state: CursorState, columns: ColumnSignature[]): JsonValue {
  const json: JsonObject = {};
  if (state.position === null) {
    json.key = null;
  } else {
    const cursor = state.position.cursor;
    // One cursor column keeps the first version's plain text, which other tools read.
    if (cursor.length > 0) json.cursor = cursor.length === 1 ? cursor[0]! : cursor;
    json.key = state.position.key;
  }
  if (state.scanning) json.scanning = true;
  if (state.seen.size > 0) json.seen = state.seen.toJson();
  json.columns = columns;
  return json;
}
