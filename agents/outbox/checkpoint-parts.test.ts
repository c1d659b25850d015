/**
 * Checkpoint parts in the outbox (checkpoint-part-store.ts): stored and deleted in the transaction
 * that commits the checkpoint naming them, never counted as queued records, forgotten with the
 * checkpoint, and added to an existing outbox by migration 12.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckpointPart, CheckpointParts } from '../api/index.ts';
import { OUTBOX_MIGRATIONS, OUTBOX_SCHEMA_VERSION } from './migrations.ts';
import { migrate, schemaVersion } from './migrate.ts';
import { Outbox } from './outbox.ts';
import { ManualClock, makeRecords, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;
let path: string;
const open: Outbox[] = [];

function track(outbox: Outbox): Outbox {
  open.push(outbox);
  return outbox;
}

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
  path = tmp.path('o.db');
});
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
  tmp.remove();
});

/** A part whose text and bytes both say which it is; the bytes are a view into a larger buffer on purpose. */
function part(id: string, text = `manifest ${id}`): CheckpointPart {
  const backing = new Uint8Array(16 + id.length);
  backing.set(Buffer.from(`##${id}`), 14);
  return { id, text, data: backing.subarray(16) };
}

function commit(
  outbox: Outbox,
  target: { source?: string; stream?: string },
  checkpoint: number,
  checkpointParts?: CheckpointParts,
  from = checkpoint,
): void {
  const stream = target.stream ?? 'items';
  outbox.enqueue({
    source: target.source ?? 'erp',
    stream,
    lane: 'bulk',
    records: makeRecords(stream, from, 2),
    checkpoint: { at: checkpoint },
    checkpointParts,
  });
}

/** The part ids on disk, read beside the outbox's own connection: "source/stream/id", sorted. */
function partsOnDisk(): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare<[], string>("SELECT source || '/' || stream || '/' || id FROM checkpoint_parts ORDER BY 1")
      .pluck()
      .all();
  } finally {
    db.close();
  }
}

describe('checkpoint parts', () => {
  it('stores parts with their checkpoint and gives each back by id, bytes intact', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1'), part('p2', 'x'.repeat(3_000_000))], keep: ['p1', 'p2'] });
    const stored = outbox.getCheckpointPart('erp', 'items', 'p1')!;
    expect(stored.text).toBe('manifest p1');
    expect(Buffer.from(stored.data).toString()).toBe('p1');
    expect(outbox.getCheckpointPart('erp', 'items', 'p2')?.text).toHaveLength(3_000_000);
    expect(outbox.getCheckpointPart('erp', 'items', 'p3')).toBeUndefined();
    expect(outbox.getCheckpointPart('erp', 'other', 'p1')).toBeUndefined();
    expect(outbox.getCheckpointPart('pos', 'items', 'p1')).toBeUndefined();
  });

  it('deletes the parts the new checkpoint does not keep, only in its own stream, and keeps the rest', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1'), part('p2'), part('p3')], keep: ['p1', 'p2', 'p3'] });
    commit(outbox, { stream: 'other' }, 1, { put: [part('p1')], keep: ['p1'] });
    commit(outbox, { source: 'pos' }, 1, { put: [part('p1')], keep: ['p1'] });
    commit(outbox, {}, 2, { put: [part('p4')], keep: ['p1', 'p3', 'p4'] });
    expect(partsOnDisk()).toEqual([
      'erp/items/p1', 'erp/items/p3', 'erp/items/p4', 'erp/other/p1', 'pos/items/p1',
    ]);
    // An empty keep: the checkpoint names no parts any more.
    commit(outbox, {}, 3, { put: [], keep: [] });
    expect(partsOnDisk()).toEqual(['erp/other/p1', 'pos/items/p1']);
  });

  it('leaves the stream’s parts alone when an enqueue carries no parts', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1'), part('p2')], keep: ['p1', 'p2'] });
    commit(outbox, {}, 2);
    expect(outbox.getCheckpoint('erp', 'items')).toEqual({ at: 2 });
    expect(partsOnDisk()).toEqual(['erp/items/p1', 'erp/items/p2']);
  });

  it('refuses a put its keep list does not name, before writing anything, and says what to do', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1')], keep: ['p1'] });
    expect(() => commit(outbox, {}, 2, { put: [part('p2'), part('p3')], keep: ['p1', 'p2'] })).toThrow(
      /checkpoint of erp\/items puts 1 part\(s\) its keep list does not name \("p3"\)\. Nothing was written\. The source must list in keep every part/,
    );
    expect(outbox.getCheckpoint('erp', 'items')).toEqual({ at: 1 });
    expect(outbox.stats().depth).toBe(2);
    expect(partsOnDisk()).toEqual(['erp/items/p1']);
  });

  it('refuses a checkpoint naming a part that is neither stored nor put: it could never be read again', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1')], keep: ['p1'] });
    expect(() => commit(outbox, {}, 2, { put: [part('p2')], keep: ['p1', 'p2', 'gone'] })).toThrow(
      /checkpoint of erp\/items names 3 parts but only 2 of them are stored or put\. Nothing of this read was committed/,
    );
    expect(outbox.getCheckpoint('erp', 'items')).toEqual({ at: 1 });
    expect(partsOnDisk()).toEqual(['erp/items/p1']);
  });

  it('accepts the same part again, and refuses an id that now stands for other content', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1')], keep: ['p1'] });
    commit(outbox, {}, 2, { put: [part('p1')], keep: ['p1'] });
    expect(outbox.getCheckpoint('erp', 'items')).toEqual({ at: 2 });
    expect(() => commit(outbox, {}, 3, { put: [part('p1', 'changed')], keep: ['p1'] })).toThrow(
      /Part "p1" of the checkpoint of erp\/items is already stored with other content.*give changed content a new part id/,
    );
    const changedBytes = { ...part('p1'), data: new Uint8Array([1, 2, 3]) };
    expect(() => commit(outbox, {}, 3, { put: [changedBytes], keep: ['p1'] })).toThrow(/already stored with other content/);
    expect(outbox.getCheckpointPart('erp', 'items', 'p1')?.text).toBe('manifest p1');
  });

  it('commits parts with the checkpoint and the records or not at all', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1'), part('p2')], keep: ['p1', 'p2'] });
    const before = { checkpoint: { at: 1 }, depth: 2, parts: ['erp/items/p1', 'erp/items/p2'] };
    const now = () => ({ checkpoint: outbox.getCheckpoint('erp', 'items'), depth: outbox.stats().depth, parts: partsOnDisk() });

    // A part reused for other content fails after the records, the checkpoint and the new part p3 were written.
    const reused = { put: [part('p3'), part('p2', 'other')], keep: ['p2', 'p3'] };
    expect(() => commit(outbox, {}, 2, reused, 10)).toThrow(/already stored with other content/);
    expect(now()).toEqual(before);

    // SQLite itself fails at the very last step, deleting the part not kept: nothing of the commit stays.
    const db = new Database(path);
    db.exec(`CREATE TRIGGER fail_on_delete AFTER DELETE ON checkpoint_parts WHEN old.id = 'p1'
             BEGIN SELECT RAISE(ABORT, 'disk trouble while deleting p1'); END`);
    db.close();
    expect(() => commit(outbox, {}, 2, { put: [part('p3')], keep: ['p2', 'p3'] }, 10)).toThrow(/disk trouble/);
    expect(now()).toEqual(before);

    // A bad record fails inside the transaction too (the lane check), before the parts are reached.
    expect(() =>
      outbox.enqueue({
        source: 'erp', stream: 'items', lane: 'sideways' as never, records: makeRecords('items', 20, 1),
        checkpoint: { at: 2 }, checkpointParts: { put: [part('p3')], keep: ['p2', 'p3'] },
      }),
    ).toThrow(/CHECK constraint failed/);
    expect(now()).toEqual(before);
  });

  it('does not count parts as queued records: no bytes under the cap, no depth', () => {
    const outbox = track(openTestOutbox(path, clock, { maxBytes: 1_000 }));
    outbox.enqueue({
      source: 'erp', stream: 'items', lane: 'bulk', records: [], checkpoint: { at: 1 },
      checkpointParts: { put: [part('big', 'x'.repeat(100_000))], keep: ['big'] },
    });
    expect(outbox.stats()).toMatchObject({ depth: 0, urgentDepth: 0, bytes: 0 });
    expect(outbox.getCheckpointPart('erp', 'items', 'big')?.text).toHaveLength(100_000);
  });

  it('keeps delivery’s disk reserve free of parts too: a part that would eat into it pauses capture', () => {
    const outbox = track(openTestOutbox(path, clock, { maxPageCount: 200 }));
    commit(outbox, {}, 1, { put: [part('small')], keep: ['small'] });
    const big = { put: [part('big', 'x'.repeat(400_000))], keep: ['small', 'big'] };
    expect(() => commit(outbox, {}, 2, big)).toThrow(/is full: .* the last part is kept for delivery .* paused and its position kept/);
    expect(outbox.getCheckpoint('erp', 'items')).toEqual({ at: 1 });
    expect(partsOnDisk()).toEqual(['erp/items/small']);
  });

  it('forgets the parts with the checkpoint, of one stream or of a whole source', () => {
    const outbox = track(openTestOutbox(path, clock));
    commit(outbox, {}, 1, { put: [part('p1')], keep: ['p1'] });
    commit(outbox, { stream: 'other' }, 1, { put: [part('p1')], keep: ['p1'] });
    commit(outbox, { source: 'pos' }, 1, { put: [part('p1')], keep: ['p1'] });
    outbox.deleteCheckpoint('erp', 'items');
    expect(partsOnDisk()).toEqual(['erp/other/p1', 'pos/items/p1']);
    outbox.deleteCheckpoint('erp');
    expect(partsOnDisk()).toEqual(['pos/items/p1']);
    expect(outbox.getCheckpointPart('pos', 'items', 'p1')?.text).toBe('manifest p1');
  });

  it('keeps the parts across close and reopen, also for a read-only status outbox', () => {
    const first = openTestOutbox(path, clock);
    commit(first, {}, 1, { put: [part('p1')], keep: ['p1'] });
    first.close();

    const reader = track(Outbox.openReadonly(path, clock));
    expect(reader.getCheckpointPart('erp', 'items', 'p1')?.text).toBe('manifest p1');
    const reopened = track(openTestOutbox(path, clock));
    expect(Buffer.from(reopened.getCheckpointPart('erp', 'items', 'p1')!.data).toString()).toBe('p1');
  });
});

describe('migration 12', () => {
  it('adds the parts table to an outbox written at version 11, keeping its checkpoints', () => {
    const db = new Database(path);
    migrate(db, OUTBOX_MIGRATIONS.slice(0, 11));
    expect(schemaVersion(db)).toBe(11);
    db.prepare("INSERT INTO checkpoints (source, stream, value) VALUES ('erp', 'items', '{\"at\":7}')").run();
    db.close();

    const outbox = track(openTestOutbox(path, clock));
    expect(outbox.getCheckpoint('erp', 'items')).toEqual({ at: 7 });
    expect(outbox.getCheckpointPart('erp', 'items', 'p1')).toBeUndefined();
    commit(outbox, {}, 8, { put: [part('p1')], keep: ['p1'] });
    expect(partsOnDisk()).toEqual(['erp/items/p1']);
    const check = new Database(path, { readonly: true });
    expect(schemaVersion(check)).toBe(OUTBOX_SCHEMA_VERSION);
    check.close();
  });
});
