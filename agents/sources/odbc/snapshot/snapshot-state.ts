/**
 * A snapshot stream's state, and its checkpoint. Between rounds the state is the manifest: every
 * row's key and hash as of the last round, in key order. During a round it is the manifest being
 * rebuilt: `next` holds the rows of the key ranges already compared (as they are now), `old` the
 * rest of the last round's rows, `after` the key where the compared ranges end, and `leaf` how far a
 * row-by-row comparison has got. Every checkpoint carries all of it, committed with the records the
 * comparison produced, so a crash anywhere resumes the round without losing or inventing a change.
 * The rows themselves are in parts stored beside the checkpoint (row-list.ts, api/checkpoint-parts.ts):
 * the checkpoint names the parts and its views of them, and a commit stores only the new parts.
 *
 *   {"mode": "snapshot", "columns": […], "hash": "pg-record-1", "chunkRows": 4000, "round": null | {"split": n, "after": […],
 *    "leaf": null | {"end": n, "at": […], "seen": […]}}, "rows": n, "parts": ["id", …], "views": [part, first, rows, …]}
 *
 * Checkpoints written before parts carry the rows inline ("keys": "…", "hashes": "…"); they are read
 * as before, and the next commit stores every row as parts once.
 */
import type { CheckpointParts, JsonObject, JsonValue } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { ColumnSignature } from '../schema-drift.ts';
import { parseSignatures } from '../schema-drift.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { PackedRows, StoredPart } from './row-list.ts';
import { RowList, unpackRows } from './row-list.ts';

/** Reads a stored part of the stream's checkpoint (CheckpointReader.getCheckpointPart for this stream). */
export type PartLoader = (id: string) => StoredPart | undefined;

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
  /** The parts the committed checkpoint names: stored already, a new checkpoint names them without writing them. */
  stored: ReadonlySet<string>;
}

export function emptySnapshotState(chunkRows: number): SnapshotState {
  return { columns: null, hash: null, chunkRows, next: new RowList(), nextLength: 0, old: new RowList(), oldOffset: 0, round: null, stored: new Set() };
}

/** An independent copy of the progress; the row lists are shared (append-only, cut back to the lengths). */
export function copyState(state: SnapshotState): SnapshotState {
  const round = state.round;
  return {
    ...state,
    round: round === null ? null : { after: round.after, leaf: round.leaf === null ? null : { ...round.leaf, seen: [...round.leaf.seen] } },
  };
}

/** The state as a checkpoint and the parts its commit must store and keep. */
export function snapshotCheckpoint(state: SnapshotState): { checkpoint: JsonValue; parts: CheckpointParts } {
  const saved = RowList.toParts(
    [
      { list: state.next, start: 0, end: state.nextLength },
      { list: state.old, start: state.oldOffset, end: state.old.length },
    ],
    state.stored,
  );
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
    rows: saved.rows,
    parts: saved.ids,
    views: saved.views,
  };
  return { checkpoint: json, parts: { put: saved.put, keep: saved.ids } };
}

export function parseSnapshotCheckpoint(
  value: JsonValue | undefined,
  source: string,
  plan: StreamPlan,
  chunkRows: number,
  loadPart: PartLoader,
): SnapshotState {
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
  let list: RowList;
  let stored: ReadonlySet<string> = new Set();
  try {
    if (Array.isArray(value.parts)) {
      const ids = value.parts.filter((id): id is string => typeof id === 'string');
      list = RowList.fromParts(savedRows(value, ids), ids.map((id) => loadPart(id) ?? missingPart(id)), plan.keys.length);
      stored = new Set(ids);
    } else {
      const { rows, keys, hashes } = value;
      if (typeof rows !== 'number' || typeof keys !== 'string' || typeof hashes !== 'string') return fail('has no row list');
      list = unpackRows({ rows, keys, hashes } satisfies PackedRows, plan.keys.length);
    }
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    return fail(`cannot be read (${(error as Error).message})`);
  }
  const state = emptySnapshotState(typeof value.chunkRows === 'number' ? value.chunkRows : chunkRows);
  state.stored = stored;
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

function savedRows(value: JsonObject, ids: string[]): { rows: number; ids: string[]; views: number[] } {
  const { rows, views } = value;
  if (typeof rows !== 'number' || !Array.isArray(views) || ids.length !== (value.parts as JsonValue[]).length) {
    throw new Error('its list of parts or views is broken');
  }
  return { rows, ids, views: views.map((n) => (typeof n === 'number' ? n : Number.NaN)) };
}

function missingPart(id: string): never {
  throw new Error(`part ${id} it names is not in the outbox`);
}

function keyOrNull(value: JsonValue | undefined): string[] | null {
  return Array.isArray(value) && value.every((part) => typeof part === 'string') ? (value) : null;
}

function leafOrNull(value: JsonValue | undefined): LeafProgress | null {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return null;
  const seen = Array.isArray(value.seen) ? value.seen.filter((i): i is number => typeof i === 'number') : [];
  return { end: typeof value.end === 'number' ? value.end : 0, at: keyOrNull(value.at), seen };
}
