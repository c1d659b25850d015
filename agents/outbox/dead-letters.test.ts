import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Outbox } from './outbox.ts';
import { ManualClock, enqueueRange, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;
let outbox: Outbox;
const BIG = { maxRecords: 5_000, maxBytes: 10_000_000 };

/** Five dead letters with keys 0..4 (reason per key), nothing pending. */
function seedDeadLetters(): void {
  enqueueRange(outbox, { stream: 'receipts' }, 0, 5);
  const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
  outbox.completeBatch(batch.batchId, {
    rejected: batch.records.map((_, index) => ({ index, code: `bad_${index}`, message: `Record ${index} is wrong.` })),
    staleIndexes: [],
  });
}

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
  outbox = openTestOutbox(tmp.path('o.db'), clock);
});
afterEach(() => {
  outbox.close();
  tmp.remove();
});

describe('dead letters', () => {
  it('lists them in order with paging', () => {
    seedDeadLetters();
    expect(outbox.listDeadLetters().map((l) => l.key.id)).toEqual(['0', '1', '2', '3', '4']);
    expect(outbox.listDeadLetters({ limit: 2, offset: 1 }).map((l) => [l.key.id, l.reasonCode])).toEqual([
      ['1', 'bad_1'],
      ['2', 'bad_2'],
    ]);
    const [first] = outbox.listDeadLetters({ limit: 1 });
    expect(first).toMatchObject({
      source: 'pos',
      stream: 'receipts',
      op: 'upsert',
      lane: 'bulk',
      data: { id: '0', total: '0.50', note: 'ordinary row' },
      capturedAt: '2026-11-29T14:59:00.000Z',
      failedAt: new Date(clock.now()).toISOString(),
      reasonMessage: 'Record 0 is wrong.',
    });
  });

  it('replays chosen ones back into the queue, unassigned and with attempts 0', () => {
    seedDeadLetters();
    const bytesBefore = outbox.stats().bytes;
    const letters = outbox.listDeadLetters();
    expect(outbox.replayDeadLetters([letters[1]!.id, letters[3]!.id, 9_999])).toBe(2);
    expect(outbox.stats()).toMatchObject({ depth: 2, deadLetters: 3, bytes: bytesBefore });
    const batch = outbox.nextBatch({ lane: 'bulk', ...BIG })!;
    expect(batch.records.map((r) => [r.key.id, r.attempts, r.version])).toEqual([
      ['1', 0, letters[1]!.version],
      ['3', 0, letters[3]!.version],
    ]);
    outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
    expect(outbox.replayDeadLetters('all')).toBe(3);
    expect(outbox.stats()).toMatchObject({ depth: 3, deadLetters: 0, delivered: 2 });
    expect(outbox.replayDeadLetters('all')).toBe(0);
  });

  it('replays a record that was captured again meanwhile under its old seq, beside the newer capture', () => {
    seedDeadLetters();
    // Same versions as dead letters 0 and 1: a refused version does not count as delivered, so the
    // re-read is queued again with a new seq.
    enqueueRange(outbox, { stream: 'receipts' }, 0, 2);
    const letterSeqs = outbox.listDeadLetters().map((l) => l.seq);
    expect(outbox.replayDeadLetters('all')).toBe(5);
    const path = tmp.path('o.db');
    const db = new Database(path, { readonly: true });
    const actual = db.prepare('SELECT COUNT(*) AS n, SUM(bytes) AS bytes FROM records').get() as {
      n: number;
      bytes: number;
    };
    db.close();
    expect(outbox.stats()).toMatchObject({ depth: 7, deadLetters: 0, bytes: actual.bytes });
    expect(actual.n).toBe(7);
    // The replayed ones keep their seqs (the cloud keeps them as history, stale); the new captures are newer.
    const queued = outbox.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: 10_000_000 })!.records;
    const replayed = queued.filter((r) => letterSeqs.includes(r.seq));
    expect(replayed).toHaveLength(5);
    const recaptured = queued.filter((r) => !letterSeqs.includes(r.seq));
    expect(recaptured.map((r) => r.key.id)).toEqual(['0', '1']);
    expect(Math.min(...recaptured.map((r) => r.seq))).toBeGreaterThan(Math.max(...letterSeqs));
  });

  it('discards with an audit row saying what was thrown away and when', () => {
    seedDeadLetters();
    const letters = outbox.listDeadLetters();
    clock.advance(3_600_000);
    expect(outbox.discardDeadLetters([letters[0]!.id])).toBe(1);
    expect(outbox.stats().deadLetters).toBe(4);
    expect(outbox.discardDeadLetters('all')).toBe(4);
    expect(outbox.stats()).toMatchObject({ deadLetters: 0, bytes: 0, depth: 0 });

    const db = new Database(tmp.path('o.db'), { readonly: true });
    const audit = db
      .prepare(
        'SELECT dead_letter_id, key_canonical, version, reason_code, discarded_at FROM discard_audit ORDER BY id',
      )
      .all();
    db.close();
    expect(audit).toEqual(
      letters.map((l) => ({
        dead_letter_id: l.id,
        key_canonical: JSON.stringify(l.key),
        version: l.version,
        reason_code: l.reasonCode,
        discarded_at: new Date(clock.now()).toISOString(),
      })),
    );
  });

  it('rejects ids that are not integers', () => {
    expect(() => outbox.discardDeadLetters([1.5])).toThrow(/integers/);
  });
});
