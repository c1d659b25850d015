/**
 * Completeness per business day (issue 11): records and exact money read, delivered and refused,
 * counted in the transactions that change the queue, kept across a restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../api/index.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
});
afterEach(() => tmp.remove());

function entry(id: number, bookingDate: string, amount: string): SourceRecord {
  return {
    stream: 'bank_entries',
    key: { id: String(id) },
    op: 'upsert',
    data: { bookingDate, amount, currency: 'eur' },
    capturedAt: '2026-11-29T14:59:00.000Z',
  };
}

describe('day totals', () => {
  it('sums money exactly per booking day and counts delivered and refused records, across a restart', () => {
    const path = tmp.path('o.db');
    const outbox = openTestOutbox(path, clock);
    // 0.1 + 0.2 is 0.3 here, not 0.30000000000000004; 19 digits survive.
    outbox.enqueue({
      source: 'bank',
      stream: 'bank_entries',
      lane: 'bulk',
      records: [
        entry(1, '2026-11-28', '0.1'),
        entry(2, '2026-11-28', '0.2'),
        entry(3, '2026-11-28', '1234567890123456789.01'),
        entry(4, '2026-11-29', '-12.50'),
      ],
      checkpoint: { page: 1 },
    });
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: 1_000_000 })!;
    const refused = batch.records.findIndex((r) => r.key.id === '2');
    outbox.completeBatch(batch.batchId, {
      rejected: [{ index: refused, code: 'unknown_account', message: 'No such account.' }],
      staleIndexes: [],
    });
    outbox.close();

    const reopened = openTestOutbox(path, clock);
    const totals = reopened.dayTotals();
    expect(totals.map((t) => t.day)).toEqual(['2026-11-29', '2026-11-28']);
    const day28 = totals[1]!;
    expect(day28).toMatchObject({ source: 'bank', stream: 'bank_entries', currency: 'EUR' });
    expect(day28.read).toEqual({ records: 3, amount: '1234567890123456789.31' });
    expect(day28.delivered).toEqual({ records: 2, amount: '1234567890123456789.11' });
    expect(day28.failed).toEqual({ records: 1, amount: '0.2' });
    expect(totals[0]!.read).toEqual({ records: 1, amount: '-12.50' });
    expect(totals[0]!.delivered).toEqual({ records: 1, amount: '-12.50' });

    // A replayed dead letter leaves "refused" and is delivered like any other record.
    expect(reopened.replayDeadLetters('all')).toBe(1);
    expect(reopened.dayTotals({ from: '2026-11-28', to: '2026-11-28' })[0]!.failed).toEqual({ records: 0, amount: '0.0' });
    const again = reopened.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: 1_000_000 })!;
    reopened.completeBatch(again.batchId, { rejected: [], staleIndexes: [] });
    const complete = reopened.dayTotals({ from: '2026-11-28', to: '2026-11-28' })[0]!;
    expect(complete.delivered).toEqual({ records: 3, amount: '1234567890123456789.31' });
    reopened.close();
  });

  it("puts a record without a day of its own on the day it was captured in the source's zone", () => {
    const outbox = openTestOutbox(tmp.path('o.db'), clock);
    const sale = (id: number, capturedAt: string): SourceRecord => ({
      stream: 'sales',
      key: { id: String(id) },
      op: 'upsert',
      data: { id: String(id), amount: '5.00', qty: 2 },
      capturedAt,
    });
    // 23:30 UTC on the 28th is already the 29th in Vienna.
    outbox.enqueue({
      source: 'pos',
      stream: 'sales',
      lane: 'bulk',
      records: [sale(1, '2026-11-28T23:30:00.000Z'), sale(2, '2026-11-28T22:30:00.000Z')],
      checkpoint: { n: 2 },
      timeZone: 'Europe/Vienna',
    });
    // Re-reading the same content is no new read.
    outbox.enqueue({
      source: 'pos',
      stream: 'sales',
      lane: 'bulk',
      records: [sale(1, '2026-11-28T23:30:00.000Z')],
      checkpoint: { n: 2 },
      timeZone: 'Europe/Vienna',
    });
    const totals = outbox.dayTotals();
    expect(totals.map((t) => [t.day, t.currency, t.read.records, t.read.amount, t.delivered.records])).toEqual([
      ['2026-11-29', '', 1, '5.00', 0],
      ['2026-11-28', '', 1, '5.00', 0],
    ]);
    outbox.close();
  });

  it("takes a shift close's total as its money when it has no amount", () => {
    const outbox = openTestOutbox(tmp.path('o.db'), clock);
    outbox.enqueue({
      source: 'tills',
      stream: 'shift_reports',
      lane: 'urgent',
      records: [
        { stream: 'shift_reports', key: { z: '1' }, op: 'upsert', data: { businessDay: '2026-11-28', total: '1234.50', currency: 'EUR' }, capturedAt: '2026-11-29T10:00:00Z' },
        { stream: 'shift_reports', key: { z: '2' }, op: 'upsert', data: { businessDay: '2026-11-28', total: '0.50', amount: '9.99', currency: 'EUR' }, capturedAt: '2026-11-29T10:00:00Z' },
      ],
      checkpoint: null,
    });
    expect(outbox.dayTotals()[0]!.read).toEqual({ records: 2, amount: '1244.49' });
    outbox.close();
  });

  it('counts records without money with a null amount, and leaves numbers out of the money', () => {
    const outbox = openTestOutbox(tmp.path('o.db'), clock);
    outbox.enqueue({
      source: 'erp',
      stream: 'customers',
      lane: 'bulk',
      records: [
        { stream: 'customers', key: { id: '1' }, op: 'upsert', data: { name: 'A', amount: 12.5 }, capturedAt: '2026-11-29T10:00:00Z' },
        { stream: 'customers', key: { id: '2' }, op: 'delete', capturedAt: '2026-11-29T10:00:00Z' },
      ],
      checkpoint: null,
    });
    expect(outbox.dayTotals()).toEqual([
      expect.objectContaining({ day: '2026-11-29', read: { records: 2, amount: null }, delivered: { records: 0, amount: null } }),
    ]);
    outbox.close();
  });
});
