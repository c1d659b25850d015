/**
 * A snapshot stream's state, and its checkpoint. Between rounds the state is the manifest: every
 * row's key and hash as of the last round, in key order. During a round it is the manifest being
 * rebuilt: `next` holds the rows of the key ranges already compared (as they are now), `old` the
 * rest of the last round's rows, `after` the key where the compared ranges end, and `leaf` how far a
 * row-by-row comparison has got. Every checkpoint carries all of it, committed with the records the
 * comparison produced, so a crash anywhere resumes the round without losing or inventing a change.
 *
 *   {"mode": "snapshot", "columns": […], "hash": "pg-record-1", "chunkRows": 4000, "round": null | {"split": n, "after": […],
 *    "leaf": null | {"end": n, "at": […], "seen": […]}}, "rows": n, "keys": "…", "hashes": "…"}
 */
import type { JsonObject, JsonValue } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { ColumnSignature } from '../schema-drift.ts';
import { parseSignatures } from '../schema-drift.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { PackedRows } from './row-list.ts';
import { RowList, packRows, unpackRows } from './row-list.ts';

export interface LeafProgress {
  /** Rows of `old` (from oldOffset) that belong to the range being compared row by row; 0 for the tail. */
  end: number;
  /** Key of the last row read in the range; null before the first. */
  at: string[] | null;
  /** Which of those old rows were found again (indexes from oldOffset). */
  seen: number[];
}

export interface RoundProgress {
  /** Exclusive lower key bound of what is left to compare; null: the table's start. */
  after: string[] | null;
  leaf: LeafProgress | null;
}

export interface SnapshotState {
  columns: ColumnSignature[] | null;
  /** The row hash the manifest's hashes were made with (RowHashSql.id); null: before hashes were named. */
  hash: string | null;
  chunkRows: number;
  next: RowList;
  nextLength: number;
  old: RowList;
  oldOffset: number;
  round: RoundProgress | null;
}

export function emptySnapshotState(chunkRows: number): SnapshotState {
  return { columns: null, hash: null, chunkRows, next: new RowList(), nextLength: 0, old: new RowList(), oldOffset: 0, round: null };
}

/** An independent copy of the progress; the row lists are shared (append-only, cut back to the lengths). */
export function copyState(state: SnapshotState): SnapshotState {
  const round = state.round;
  return {
    ...state,
    round: round === null ? null : { after: round.after, leaf: round.leaf === null ? null : { ...round.leaf, seen: [...round.leaf.seen] } },
  };
}

export function snapshotCheckpointJson(state: SnapshotState): JsonValue {
  const packed = packRows([
    { list: state.next, start: 0, end: state.nextLength },
    { list: state.old, start: state.oldOffset, end: state.old.length },
  ]);
  const round = state.round;
  const json: JsonObject = {
    mode: 'snapshot',
    columns: state.columns,
    hash: state.hash,
    chunkRows: state.chunkRows,
    round:
      round === null
        ? null
        : {
            split: state.nextLength,
            after: round.after,
            leaf: round.leaf === null ? null : { end: round.leaf.end, at: round.leaf.at, seen: round.leaf.seen },
          },
    rows: packed.rows,
    keys: packed.keys,
    hashes: packed.hashes,
  };
  return json;
}

export function parseSnapshotCheckpoint(value: JsonValue | undefined, source: string, plan: StreamPlan, chunkRows: number): SnapshotState {
  if (value === undefined || value === null) return emptySnapshotState(chunkRows);
  const fail = (why: string): never => {
    throw new PermanentError(
      'odbc_checkpoint_mismatch',
      `Source "${source}", stream "${plan.stream}": the saved snapshot state ${why}.`,
      {
        hint:
          'The stream configuration (mode or key columns) changed since the state was saved. Resync the stream so the ' +
          'table is read again from the start (the cloud ignores rows it already has).',
      },
    );
  };
  if (typeof value !== 'object' || Array.isArray(value)) return fail('is not an object');
  if (value.mode !== 'snapshot') return fail(`was written in ${typeof value.mode === 'string' ? value.mode : 'cursor'} mode`);
  const { rows, keys, hashes } = value;
  if (typeof rows !== 'number' || typeof keys !== 'string' || typeof hashes !== 'string') return fail('has no row list');
  let list: RowList;
  try {
    list = unpackRows({ rows, keys, hashes } satisfies PackedRows, plan.keys.length);
  } catch (error) {
    return fail(`cannot be read (${(error as Error).message})`);
  }
  const state = emptySnapshotState(typeof value.chunkRows === 'number' ? value.chunkRows : chunkRows);
  state.columns = parseSignatures(value.columns);
  state.hash = typeof value.hash === 'string' ? value.hash : null;
  const round = value.round;
  if (round === null || round === undefined) {
    state.old = list;
    return state;
  }
  if (typeof round !== 'object' || Array.isArray(round) || typeof round.split !== 'number') return fail('has a broken round');
  const split = round.split;
  state.next = new RowList();
  state.next.copyFrom(list, 0, split);
  state.nextLength = split;
  state.old = new RowList();
  state.old.copyFrom(list, split, list.length - split);
  state.round = { after: keyOrNull(round.after), leaf: leafOrNull(round.leaf) };
  return state;
}

function keyOrNull(value: JsonValue | undefined): string[] | null {
  return Array.isArray(value) && value.every((part) => typeof part === 'string') ? (value) : null;
}

function leafOrNull(value: JsonValue | undefined): LeafProgress | null {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return null;
  const seen = Array.isArray(value.seen) ? value.seen.filter((i): i is number => typeof i === 'number') : [];
  return { end: typeof value.end === 'number' ? value.end : 0, at: keyOrNull(value.at), seen };
}
