/**
 * The outbox's side of `seq` (cloud-api.md § Batches): numbering at capture, the per-key memory
 * that replaces the all-time dedupe (so A → B → A is sent), the cloud's floors, the answers that
 * renumber (stale, seq_conflict, seq_in_future), groups that never split, and the migration that
 * numbers a queue written before seq existed.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../api/index.ts';
import { OUTBOX_MIGRATIONS } from './migrations.ts';
import { migrate } from './migrate.ts';
import type { Outbox } from './outbox.ts';
import type { OutboxRecord } from './outbox-types.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

const BIG = { maxRecords: 5_000, maxBytes: 10_000_000 };
const NONE = { rejected: [], staleIndexes: [] };

let tmp: TempDir;
let clock: ManualClock;
let outbox: Outbox;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
  outbox = openTestOutbox(tmp.path('o.db'), clock);
});
afterEach(() => {
  outbox.close();
  tmp.remove();
});

function row(id: string, total: string, extra: Partial<SourceRecord> = {}): SourceRecord {
  return {
    stream: 'invoices',
    key: { id },
    op: 'upsert',
    data: { id, total },
    capturedAt: '2026-11-29T14:59:00.000Z',
    ...extra,
  };
}

function capture(records: SourceRecord[], stream = 'invoices'): { inserted: number; duplicates: number } {
  return outbox.enqueue({ source: 'erp', stream, lane: 'bulk', records, checkpoint: { at: clock.now() } });
}

/** Sends everything queued as the cloud accepting it all; returns what was sent, in order. */
function deliverAll(): OutboxRecord[] {
  const sent: OutboxRecord[] = [];
  for (
    let batch = outbox.nextBatch({ lane: 'bulk', ...BIG });
    batch !== null;
    batch = outbox.nextBatch({ lane: 'bulk', ...BIG })
  ) {
    sent.push(...batch.records);
    outbox.completeBatch(batch.batchId, NONE);
  }
  return sent;
}

describe('seq at capture', () => {
  it('numbers every change from the hybrid clock, strictly increasing, unix ms × 1000 or above', () => {
    capture([row('1', '10.00'), row('2', '20.00')]);
    clock.advance(-60_000); // the wall clock steps back a minute
    capture([row('1', '11.00')]);
    const seqs = deliverAll().map((r) => r.seq);
    expect(seqs[0]).toBeGreaterThanOrEqual(Date.parse('2026-11-29T15:00:00.000Z') * 1000);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(3);
  });

  it('sends A → B → A as three changes (a voided invoice restored), and skips a re-read of the newest', () => {
    capture([row('7', '100.00')]);
    deliverAll();
    capture([row('7', '100.00')]); // re-read, unchanged: nothing to send
    expect(outbox.stats().depth).toBe(0);
    capture([row('7', '0.00')]);
    capture([row('7', '100.00')]);
    const sent = deliverAll();
    expect(sent.map((r) => r.data?.total)).toEqual(['0.00', '100.00']);
    expect(sent[0]!.seq).toBeLessThan(sent[1]!.seq);
  });

  it('keeps a seq across a restart: the clock is persisted with the records it numbered', () => {
    capture([row('1', '1.00')]);
    const before = outbox.seqClockState().last;
    outbox.close();
    clock.advance(-3_600_000);
    outbox = openTestOutbox(tmp.path('o.db'), clock);
    capture([row('1', '2.00')]);
    expect(outbox.seqClockState().last).toBe(before + 1);
  });

  it('never numbers at or below the cloud floor (a restored agent on a clock that is behind)', () => {
    const floor = Date.parse('2027-06-01T00:00:00.000Z') * 1000 + 17;
    outbox.raiseSeqFloors({ 'store-7': floor, 'store-8': 5 });
    outbox.raiseSeqFloors({ 'store-7': 3 }); // a lower floor never lowers it
    capture([row('1', '1.00')]);
    const [sent] = deliverAll();
    expect(sent!.seq).toBe(floor + 1);
  });

  it('forgets each key’s newest version on resync, so everything is sent again', () => {
    capture([row('1', '1.00'), row('2', '2.00')]);
    deliverAll();
    outbox.deleteCheckpoint('erp', 'invoices');
    expect(capture([row('1', '1.00'), row('2', '2.00')]).inserted).toBe(2);
  });

  it('queues a refused version again when it is read again (a refusal is not what the cloud holds)', () => {
    capture([row('1', '1.00')]);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    outbox.completeBatch(batch.batchId, {
      rejected: [{ index: 0, code: 'invalid_total', message: 'no' }],
      staleIndexes: [],
    });
    expect(outbox.stats().deadLetters).toBe(1);
    expect(capture([row('1', '1.00')]).inserted).toBe(1);
  });
});

describe('answers that renumber', () => {
  it('renumbers a stale record that is still its key’s newest change and sends it again', () => {
    capture([row('1', '1.00')]);
    const first = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    const settled = outbox.completeBatch(first.batchId, { rejected: [], staleIndexes: [0] });
    expect(settled).toEqual({ delivered: 0, deadLettered: 0, renumbered: 1, superseded: 0 });
    const again = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(again.records[0]!.data).toEqual({ id: '1', total: '1.00' });
    expect(again.records[0]!.seq).toBeGreaterThan(first.records[0]!.seq);
    expect(again.batchId).not.toBe(first.batchId);
  });

  it('drops a stale or conflicting record that a later change of its key superseded', () => {
    capture([row('1', '1.00')]);
    const first = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    capture([row('1', '2.00')]); // captured while the first was in flight
    const settled = outbox.completeBatch(first.batchId, {
      rejected: [{ index: 0, code: 'seq_conflict', message: 'seen with another version' }],
      staleIndexes: [],
    });
    expect(settled).toEqual({ delivered: 0, deadLettered: 0, renumbered: 0, superseded: 1 });
    expect(deliverAll().map((r) => r.data?.total)).toEqual(['2.00']);
    expect(outbox.stats()).toMatchObject({ depth: 0, deadLetters: 0, bytes: 0 });
  });

  it('on seq_in_future restarts the clock from max(floor, now) and renumbers what was not sent', () => {
    clock.advance(3 * 86_400_000); // this clock ran three days ahead
    capture([row('1', '1.00')]);
    const ahead = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    capture([row('2', '2.00')]);
    clock.advance(-3 * 86_400_000); // corrected by NTP
    outbox.completeBatch(ahead.batchId, {
      rejected: [{ index: 0, code: 'seq_in_future', message: 'more than 24 h ahead' }],
      staleIndexes: [],
    });
    const now = clock.now() * 1000;
    const resent = deliverAll();
    expect(resent.map((r) => r.key.id).sort()).toEqual(['1', '2']);
    for (const r of resent) {
      expect(r.seq).toBeGreaterThanOrEqual(now);
      expect(r.seq).toBeLessThan(now + 1000);
    }
  });
});

describe('groups', () => {
  const lines = (group: string, from: number, n: number) =>
    Array.from({ length: n }, (_, i) => row(String(from + i), `${from + i}.00`, { group }));

  it('never splits a group across batches: the cut moves before the group', () => {
    capture([row('0', '0.00'), ...lines('Z-1', 1, 3), row('4', '4.00')]);
    const first = outbox.nextBatch({ lane: 'bulk', maxRecords: 2, maxBytes: 10_000_000 })!;
    expect(first.records.map((r) => r.key.id)).toEqual(['0']);
    outbox.completeBatch(first.batchId, NONE);
    const second = outbox.nextBatch({ lane: 'bulk', maxRecords: 2, maxBytes: 10_000_000 })!;
    expect(second.records.map((r) => r.key.id)).toEqual(['1', '2', '3']); // stretched to hold the group
    expect(second.records.every((r) => r.group === 'Z-1')).toBe(true);
  });

  it('splits a 413 batch at a group boundary and dead-letters a lone group that is too large', () => {
    capture([...lines('A', 0, 3), ...lines('B', 3, 2)]);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    outbox.splitBatch(batch.batchId);
    const halves: string[][] = [];
    for (
      let b = outbox.nextBatch({ lane: 'bulk', ...BIG });
      b !== null;
      b = outbox.nextBatch({ lane: 'bulk', ...BIG })
    ) {
      halves.push(b.records.map((r) => r.group!));
      if (halves.length === 1)
        outbox.splitBatch(b.batchId); // group A alone is still too large
      else outbox.completeBatch(b.batchId, NONE);
    }
    expect(halves).toEqual([
      ['A', 'A', 'A'],
      ['B', 'B'],
    ]);
    expect(outbox.listDeadLetters().map((l) => [l.group, l.reasonCode])).toEqual([
      ['A', 'record_too_large'],
      ['A', 'record_too_large'],
      ['A', 'record_too_large'],
    ]);
  });

  it('a group member refused with group_rejected follows the member that caused it', () => {
    capture([...lines('J-1', 0, 2), ...lines('J-2', 2, 2)]);
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    const settled = outbox.completeBatch(batch.batchId, {
      rejected: [
        { index: 0, code: 'unbalanced', message: 'debit ≠ credit' },
        { index: 1, code: 'group_rejected', message: 'its group was refused' },
        { index: 2, code: 'seq_conflict', message: 'seen' },
        { index: 3, code: 'group_rejected', message: 'its group was refused' },
      ],
      staleIndexes: [],
    });
    expect(settled).toEqual({ delivered: 0, deadLettered: 2, renumbered: 2, superseded: 0 });
    expect(outbox.listDeadLetters().map((l) => l.key.id)).toEqual(['0', '1']);
    expect(deliverAll().map((r) => r.group)).toEqual(['J-2', 'J-2']);
  });
});

describe('migration 3', () => {
  it('numbers a queue written before seq existed in queue order and remembers each key’s newest version', () => {
    const path = tmp.path('v2.db');
    const db = new Database(path);
    migrate(db, OUTBOX_MIGRATIONS.slice(0, 2));
    const insert = db.prepare(
      `INSERT INTO records (source, stream, lane, key_canonical, op, version, data, captured_at, captured_ms, bytes)
       VALUES ('erp', 'invoices', 'bulk', ?, 'upsert', ?, ?, '2026-11-29T14:00:00.000Z', 0, 10)`,
    );
    insert.run('{"id":"1"}', `sha256:${'a'.repeat(64)}`, '{"id":"1","total":"A"}');
    insert.run('{"id":"1"}', `sha256:${'b'.repeat(64)}`, '{"id":"1","total":"B"}');
    insert.run('{"id":"2"}', `sha256:${'c'.repeat(64)}`, '{"id":"2","total":"C"}');
    db.prepare("INSERT INTO streams (source, stream) VALUES ('erp', 'invoices')").run();
    db.prepare("UPDATE meta SET value = 3 WHERE key = 'depth_bulk'").run();
    db.close();

    outbox.close();
    outbox = openTestOutbox(path, clock);
    const sent = deliverAll();
    expect(sent.map((r) => r.data?.total)).toEqual(['A', 'B', 'C']);
    expect(sent[0]!.seq).toBeLessThan(sent[1]!.seq);
    expect(sent[1]!.seq).toBeLessThan(sent[2]!.seq);
    // The clock continues above the numbers the migration gave, and the memory holds key 1's newest (B).
    expect(outbox.seqClockState().last).toBeGreaterThanOrEqual(sent[2]!.seq);
    const check = new Database(path, { readonly: true });
    const memory = check.prepare('SELECT version FROM key_memory WHERE key_canonical = \'{"id":"1"}\'').pluck().get();
    check.close();
    expect(memory).toBe(`sha256:${'b'.repeat(64)}`);
  });
});
