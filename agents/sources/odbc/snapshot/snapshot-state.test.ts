import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { StreamPlan } from '../stream-plan.ts';
import { RowList } from './row-list.ts';
import { emptySnapshotState, parseSnapshotCheckpoint, snapshotCheckpointJson } from './snapshot-state.ts';

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

describe('snapshot checkpoints', () => {
  it('carry the manifest between rounds', () => {
    const state = { ...emptySnapshotState(500), columns: [['id', 'int4']] as [string, string][], old: rows(1, 2, 3) };
    const back = parseSnapshotCheckpoint(snapshotCheckpointJson(state), 'erp', plan, 1000);
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
    const back = parseSnapshotCheckpoint(snapshotCheckpointJson(state), 'erp', plan, 1000);
    expect(back.next.toKeys()).toEqual([['1'], ['2']]);
    expect(back.nextLength).toBe(2);
    expect(back.old.toKeys()).toEqual([['4'], ['5']]);
    expect(back.oldOffset).toBe(0);
    expect(back.round).toEqual({ after: ['3'], leaf: { end: 1, at: ['3'], seen: [0] } });
  });

  it('refuse a cursor stream’s checkpoint (the mode changed): resync', () => {
    const error = (() => {
      try {
        parseSnapshotCheckpoint({ cursor: '5', key: ['5'] }, 'erp', plan, 1000);
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
