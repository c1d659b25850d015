import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantineReason } from '../api/index.ts';
import { ManualClock, makeRecords, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';
import type { Outbox } from './outbox.ts';
import type { QuarantineMark } from './quarantine-store.ts';

const REJECT: QuarantineReason = { code: 'format', path: 'total', value: 'x', message: 'total is not money', severity: 'reject' };
const HOLD: QuarantineReason = { code: 'closed_period', path: 'booked', value: '2026-11-28', message: 'closed', severity: 'hold' };
const mark = (reason: QuarantineReason): QuarantineMark => ({ stage: 'validation', reasons: [reason] });

describe('quarantine', () => {
  let tmp: TempDir;
  let outbox: Outbox;
  const clock = new ManualClock();
  beforeEach(() => {
    tmp = makeTempDir();
    outbox = openTestOutbox(tmp.path('outbox.db'), clock);
  });
  afterEach(() => {
    outbox.close();
    tmp.remove();
  });

  function capture(from: number, count: number, marks: Map<number, QuarantineMark>, data?: (i: number) => Record<string, string>) {
    return outbox.enqueue({
      source: 'pos', stream: 'sales', lane: 'bulk',
      records: makeRecords('sales', from, count, data === undefined ? {} : { data }),
      checkpoint: { next: from + count }, quarantine: marks,
    });
  }

  it('stops marked records with their seq while the checkpoint advances, and lists them with the reasons', () => {
    const result = capture(1, 3, new Map([[1, mark(REJECT)], [2, mark(HOLD)]]));
    expect(result.inserted).toBe(1);
    expect(outbox.getCheckpoint('pos', 'sales')).toEqual({ next: 4 });
    const listed = outbox.quarantine.list();
    expect(listed.map((e) => [e.key.id, e.status])).toEqual([['3', 'held'], ['2', 'quarantined']]);
    expect(listed[1]!.reasons).toEqual([REJECT]);
    expect(outbox.quarantine.openCounts()).toEqual([{ source: 'pos', stream: 'sales', quarantined: 1, held: 1 }]);
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect(batch.records.map((r) => r.key.id)).toEqual(['1']);
    // Seqs in capture order: the quarantined ones sit between the queued ones.
    expect(listed[1]!.seq).toBeGreaterThan(batch.records[0]!.seq);
  });

  it('does not quarantine an unchanged re-read twice', () => {
    capture(1, 1, new Map([[0, mark(REJECT)]]));
    capture(1, 1, new Map([[0, mark(REJECT)]]));
    expect(outbox.quarantine.list()).toHaveLength(1);
  });

  it('replays an edited record with its original seq, once', () => {
    capture(1, 1, new Map([[0, mark(REJECT)]]));
    const [entry] = outbox.quarantine.list();
    expect(outbox.quarantine.edit(entry!.id, { id: '1', total: '1.50' }, 'cli:test')).toBe(true);
    const candidates = outbox.quarantine.replayCandidates([entry!.id]);
    expect(candidates[0]!.record.data).toEqual({ id: '1', total: '1.50' });
    const mapped = { ...candidates[0]!.record, data: { invoice: '1', amount: '1.50' } };
    const result = outbox.quarantine.settleReplay(candidates, [{ id: entry!.id, pass: true, record: mapped, schemaVersion: 1 }], 'cli:test');
    expect(result).toEqual({ replayed: 1, superseded: 0, stillFailing: 0 });
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect(batch.records.map((r) => [r.seq, r.data])).toEqual([[entry!.seq, { invoice: '1', amount: '1.50' }]]);
    expect(outbox.quarantine.get(entry!.id)!.status).toBe('replayed');
    expect(outbox.quarantine.get(entry!.id)!.originalData).toEqual({ id: '1', total: '1.50', note: 'ordinary row' });
    expect(outbox.quarantine.replayCandidates('all')).toEqual([]);
  });

  it('never sends a replay over a newer change of the same key: it is superseded', () => {
    capture(1, 1, new Map([[0, mark(REJECT)]]));
    capture(1, 1, new Map(), (i) => ({ id: String(i), total: '9.99' }));
    const [entry] = outbox.quarantine.list({ status: 'all' });
    expect(entry!.status).toBe('superseded');
    const candidates = outbox.quarantine.replayCandidates('all');
    const result = outbox.quarantine.settleReplay(candidates, [{ id: entry!.id, pass: true, record: candidates[0]!.record, schemaVersion: 1 }], 'cli:test');
    expect(result).toEqual({ replayed: 0, superseded: 1, stillFailing: 0 });
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect(batch.records.map((r) => r.data)).toEqual([{ id: '1', total: '9.99' }]);
  });

  it('replays a group whole, and keeps it whole when one member fails again', () => {
    const records = makeRecords('sales', 1, 2).map((r) => ({ ...r, group: 'JE-1' }));
    outbox.enqueue({ source: 'pos', stream: 'sales', lane: 'bulk', records, checkpoint: 1, quarantine: new Map([[0, mark(REJECT)], [1, mark(REJECT)]]) });
    const first = outbox.quarantine.list().at(-1)!;
    const candidates = outbox.quarantine.replayCandidates([first.id]);
    expect(candidates).toHaveLength(2);
    const result = outbox.quarantine.settleReplay(candidates, [
      { id: candidates[0]!.id, pass: true, record: candidates[0]!.record, schemaVersion: 1 },
      { id: candidates[1]!.id, pass: false, mark: mark(REJECT) },
    ], 'cli:test');
    expect(result).toEqual({ replayed: 0, superseded: 0, stillFailing: 2 });
    expect(outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })).toBeNull();
  });

  it('discards, and a raised schema version starts a new batch with a different version', () => {
    capture(1, 1, new Map([[0, mark(REJECT)]]));
    expect(outbox.quarantine.discard('all', 'cli:test')).toBe(1);
    expect(outbox.quarantine.list()).toEqual([]);
    outbox.enqueue({ source: 'pos', stream: 's2', lane: 'bulk', records: makeRecords('s2', 1, 1), checkpoint: 1 });
    outbox.enqueue({ source: 'pos', stream: 's2', lane: 'bulk', records: makeRecords('s2', 1, 1), checkpoint: 2, schemaVersion: 2 });
    const one = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect([one.schemaVersion, one.records.length]).toEqual([1, 1]);
    outbox.completeBatch(one.batchId, { rejected: [], staleIndexes: [] });
    const two = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect(two.schemaVersion).toBe(2);
    expect(two.records[0]!.version).not.toBe(one.records[0]!.version);
  });
});
