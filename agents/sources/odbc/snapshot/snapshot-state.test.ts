import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { CheckpointPart, JsonObject, JsonValue } from '../../../api/index.ts';
import { RowList, packRows } from './row-list.ts';
import { emptySnapshotState, parseSnapshotCheckpoint, snapshotCheckpoint, type SnapshotState } from './snapshot-state.ts';

const key = { name: 'id', typeName: 'int4', kind: 'integer' as const, select: 'id', compare: 'id', parameter: '?' };
const plan: StreamPlan = {
  stream: 'items',
  mode: 'snapshot',
  table: { from: 'items', displayName: 'items', columns: [key] },
  cursors: [],
  keys: [key],
  cursorIndexes: [],
  keyIndexes: [0], groupIndex: null,
};

function rows(...ids: number[]): RowList {
  const list = new RowList();
  for (const id of ids) list.push([String(id)], BigInt(id) * 1_000_003n);
  return list;
}

/** The outbox's side of a stream's parts: each commit stores `put` and keeps only what the checkpoint names. */
class PartStore {
  parts = new Map<string, CheckpointPart>();
  written = 0;

  commit(state: SnapshotState): JsonValue {
    const { checkpoint, parts } = snapshotCheckpoint(state);
    const next = new Map<string, CheckpointPart>();
    for (const part of parts.put) next.set(part.id, part);
    this.written += parts.put.reduce((sum, part) => sum + part.data.byteLength / 8, 0);
    for (const id of parts.keep) next.set(id, next.get(id) ?? this.parts.get(id)!);
    this.parts = next;
    return checkpoint;
  }

  read(checkpoint: JsonValue): SnapshotState {
    return parseSnapshotCheckpoint(checkpoint, 'erp', plan, 1000, (id) => this.parts.get(id));
  }
}

describe('snapshot checkpoints', () => {
  it('carry the manifest between rounds', () => {
    const state = { ...emptySnapshotState(500), columns: [['id', 'int4']] as [string, string][], old: rows(1, 2, 3) };
    const store = new PartStore();
    const back = store.read(store.commit(state));
    expect(back.round).toBeNull();
    expect(back.chunkRows).toBe(500);
    expect(back.columns).toEqual([['id', 'int4']]);
    expect(back.old.toKeys()).toEqual([['1'], ['2'], ['3']]);
    expect(back.old.toHashes()).toEqual([1_000_003n, 2_000_006n, 3_000_009n]);
  });

  it('carry a round under way: the compared rows, the rest of the old manifest, where it stopped', () => {
    const next = rows(1, 2, 99);
    const state = {
      ...emptySnapshotState(500),
      next,
      nextLength: 2, // row 99 belongs to a batch that was never applied
      old: rows(1, 2, 3, 4, 5),
      oldOffset: 3,
      round: { after: ['3'], leaf: { end: 1, at: ['3'], seen: [0] } },
    };
    const store = new PartStore();
    const back = store.read(store.commit(state));
    expect(back.next.toKeys()).toEqual([['1'], ['2']]);
    expect(back.nextLength).toBe(2);
    expect(back.old.toKeys()).toEqual([['4'], ['5']]);
    expect(back.oldOffset).toBe(0);
    expect(back.round).toEqual({ after: ['3'], leaf: { end: 1, at: ['3'], seen: [0] } });
  });

  it('store a changed manifest by its new rows only: unchanged ranges are named, parts no view shows are let go', () => {
    const store = new PartStore();
    const old = new RowList();
    for (let id = 1; id <= 10_000; id += 1) old.push([String(id)], BigInt(id));
    const first = store.read(store.commit({ ...emptySnapshotState(500), old }));
    expect(store.written).toBe(10_000);
    // A round: rows 1..4999 unchanged, 5000 changed, 5001..10000 unchanged, one row added at the end.
    const next = new RowList();
    next.copyFrom(first.old, 0, 4999);
    next.push(['5000'], 42n);
    next.copyFrom(first.old, 5000, 5000);
    next.push(['10001'], 7n);
    store.written = 0;
    const checkpoint = store.commit({ ...first, old: next, oldOffset: 0 });
    expect(store.written).toBe(2); // the changed row and the added one, nothing of the 10,000 kept
    const back = store.read(checkpoint);
    expect(back.old.length).toBe(10_001);
    expect(back.old.key(4999)).toEqual(['5000']);
    expect(back.old.hash(4999)).toBe(42n);
    expect(back.old.hash(10_000)).toBe(7n);
    expect(back.old.sumHashes(0, 10_001)).toBe(next.sumHashes(0, 10_001));
    // Dropping the first half lets its part go once no view shows it.
    store.written = 0;
    const tail = new RowList();
    tail.copyFrom(back.old, 5000, 5001);
    store.read(store.commit({ ...back, old: tail, oldOffset: 0 }));
    expect(store.written).toBe(0);
    expect([...store.parts.values()].reduce((sum, part) => sum + part.data.byteLength / 8, 0)).toBeLessThan(10_010);
  });

  it('read a checkpoint written before parts (rows inline) and store all its rows as parts at the next commit', () => {
    const inline: JsonObject = { mode: 'snapshot', columns: null, hash: null, chunkRows: 500, round: null, ...packRows([{ list: rows(4, 5, 6), start: 0, end: 3 }]) };
    const store = new PartStore();
    const state = store.read(inline);
    expect(state.old.toKeys()).toEqual([['4'], ['5'], ['6']]);
    expect(state.stored.size).toBe(0);
    const back = store.read(store.commit(state));
    expect(store.written).toBe(3);
    expect(back.old.toHashes()).toEqual([4_000_012n, 5_000_015n, 6_000_018n]);
  });

  it('refuse a checkpoint whose part is missing or whose views do not fit its parts: resync', () => {
    const store = new PartStore();
    const checkpoint = store.commit({ ...emptySnapshotState(500), old: rows(1, 2, 3) }) as JsonObject;
    const id = (checkpoint.parts as string[])[0]!;
    const refusal = (value: JsonValue, parts: Map<string, CheckpointPart>) => {
      try {
        parseSnapshotCheckpoint(value, 'erp', plan, 1000, (part) => parts.get(part));
        return null;
      } catch (e) {
        return e as PermanentError;
      }
    };
    const lost = refusal(checkpoint, new Map());
    expect(lost).toBeInstanceOf(PermanentError);
    expect(lost!.message).toContain(`part ${id} it names is not in the outbox`);
    expect(lost!.hint).toMatch(/Resync the stream/);
    expect(refusal({ ...checkpoint, views: [0, 1, 3] }, store.parts)!.message).toMatch(/outside the parts/);
    expect(refusal({ ...checkpoint, rows: 4 }, store.parts)!.message).toMatch(/hold 3 rows, the checkpoint says 4/);
    const torn = new Map([[id, { ...store.parts.get(id)!, data: new Uint8Array(12) }]]);
    expect(refusal(checkpoint, torn)!.message).toMatch(/not a whole number of 8-byte hashes/);
  });

  it('refuse a cursor stream’s checkpoint (the mode changed): resync', () => {
    const error = (() => {
      try {
        parseSnapshotCheckpoint({ cursor: '5', key: ['5'] }, 'erp', plan, 1000, () => undefined);
        return null;
      } catch (e) {
        return e as PermanentError;
      }
    })();
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'odbc_checkpoint_mismatch' });
    expect(error!.message).toContain('was written in cursor mode');
    expect(error!.hint).toMatch(/Resync the stream/);
  });
});
