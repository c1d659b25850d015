/**
 * A document stream's committed checkpoint: which closed shifts were sent. Committed in the same
 * outbox transaction as the document, so a crash either sends a shift once or not yet.
 *
 * - `recent`: the last sent shifts as `[closeText, ...keyTexts]` (exact database text), in
 *   (close, key) order. A shift that closes late with an earlier close time than some already sent
 *   (tills with slow clocks, a register closed after a later one) is still found, as long as it
 *   is after `floor`.
 * - `floor`: the largest shift forgotten from `recent`; shifts at or before it are never re-sent.
 * - `lastZ`: the highest Z number sent per register, for gap detection (and the position in
 *   `zNumberIncrements` mode).
 */
import type { JsonObject, JsonValue } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import { compareValues } from './row-values.ts';

export type ShiftPosition = string[];

export interface DocumentState {
  recent: ShiftPosition[];
  floor: ShiftPosition | null;
  lastZ: Record<string, string>;
}

export const EMPTY_STATE: DocumentState = { recent: [], floor: null, lastZ: {} };

export function parseDocumentState(value: JsonValue | undefined, where: string, positionLength: number): DocumentState {
  if (value === undefined || value === null) return EMPTY_STATE;
  const fail = (why: string): never => {
    throw new PermanentError('odbc_checkpoint_mismatch', `${where}: the saved position ${JSON.stringify(value).slice(0, 200)} ${why}.`, {
      hint:
        'The document configuration (shift key or close column) changed since the position was saved. Reset the document ' +
        'stream so closed shifts are read again (the cloud ignores documents it already has).',
    });
  };
  if (typeof value !== 'object' || Array.isArray(value)) return fail('is not a document position');
  const isPosition = (p: JsonValue): p is string[] =>
    Array.isArray(p) && p.length === positionLength && p.every((part) => typeof part === 'string');
  const recent = value.recent ?? [];
  if (!Array.isArray(recent) || !recent.every(isPosition)) return fail(`does not list sent shifts as ${positionLength} texts each`);
  const floor = value.floor ?? null;
  if (floor !== null && !isPosition(floor)) return fail('has a floor of the wrong shape');
  const lastZ = value.lastZ ?? {};
  if (typeof lastZ !== 'object' || lastZ === null || Array.isArray(lastZ) || !Object.values(lastZ).every((z) => typeof z === 'string')) {
    return fail('has no Z numbers by register');
  }
  return { recent, floor, lastZ: lastZ as Record<string, string> };
}

export function documentStateJson(state: DocumentState): JsonObject {
  return { recent: state.recent, floor: state.floor, lastZ: state.lastZ };
}

/** Orders positions like the database's `ORDER BY close, key…` does for the texts it printed. */
export function comparePositions(a: ShiftPosition, b: ShiftPosition): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = compareValues(a[i] ?? null, b[i] ?? null);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** `recent` with `position` added (kept sorted), at most `keep` long; what falls out raises the floor. */
export function rememberShift(state: DocumentState, position: ShiftPosition, keep: number): Pick<DocumentState, 'recent' | 'floor'> {
  const recent = [...state.recent.filter((p) => comparePositions(p, position) !== 0), position].sort(comparePositions);
  let floor = state.floor;
  while (recent.length > keep) floor = recent.shift()!;
  return { recent, floor };
}

export function samePosition(a: ShiftPosition, b: ShiftPosition): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}
