/**
 * The Shifts screen for a database's shift closes: the real capture loop reads a SQLite POS over
 * ODBC into a real outbox, and the outbox lists each closed shift with its exact figures, from the
 * moment the document is queued and still after delivery has removed the document's data. Before,
 * the screen knew only Z-report files in watched folders and said "No shift-close reports yet" while
 * the overview showed a database till's short shift.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/helpers/agent-process.ts';
import { PosDocuments } from '../scenarios/pos-documents.ts';
import { documentShift } from '../../../control/service/shifts-view.ts';

const SCHEMA = `
CREATE TABLE shifts (id INTEGER PRIMARY KEY, till TEXT NOT NULL, z INTEGER NOT NULL, closed DATETIME, counted TEXT, expected TEXT);
CREATE TABLE receipts (id INTEGER PRIMARY KEY, shift_id INTEGER NOT NULL, total TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, changed INTEGER NOT NULL);
INSERT INTO shifts VALUES (1, 'till-1', 412, '2025-03-03 23:40:00', '235.03', '239.85');
INSERT INTO receipts VALUES (10, 1, '120.10'), (11, 1, '119.75');
INSERT INTO shifts VALUES (2, 'till-2', 77, NULL, NULL, NULL);
INSERT INTO receipts VALUES (20, 2, '5.00');`;

let pos: PosDocuments | undefined;
afterEach(() => pos?.dispose());

describe('shift closes of a database source on the Shifts screen', () => {
  it('lists a closed shift with its exact figures while queued and after delivery, and no open shift', async () => {
    pos = await PosDocuments.create('shift-screen', SCHEMA);
    const config = pos.source({
      timeZone: 'Europe/Berlin',
      documents: [
        {
          name: 'shift_close',
          currency: 'EUR',
          shift: { table: 'shifts', keyColumns: ['id'], registerColumn: 'till', zNumberColumn: 'z', closedWhen: { type: 'closeColumnSet', column: 'closed' } },
          receipts: { table: 'receipts', match: { shift_id: 'id' }, idColumn: 'id', totalColumn: 'total' },
          cash: { countedColumn: 'counted', expectedColumn: 'expected' },
        },
      ],
    });
    const outbox = pos.cloud.outbox;
    const loop = pos.start(config);
    await waitFor('the closed shift on the list', () => outbox.shiftCloses({ limit: 10 }).length > 0, { timeoutMs: 20_000 });
    await loop.stop();

    const [shift, ...others] = outbox.shiftCloses({ limit: 10 });
    expect(others, 'the open shift of till-2 is not listed').toEqual([]);
    expect(shift).toMatchObject({
      source: 'pos-db',
      stream: 'shift_close',
      register: 'till-1',
      z: '412',
      // Local time with Berlin's offset, so the business day is the store's.
      closedAt: expect.stringMatching(/^2025-03-03T23:40:00(\.0+)?\+01:00$/) as unknown,
      businessDay: '2025-03-03',
      currency: 'EUR',
      total: '239.85',
      overShort: '-4.82',
      balanced: false,
      upload: 'pending',
    });

    // Delivered: the document leaves the queue, its line on the screen stays.
    const batch = outbox.nextBatch({ lane: 'urgent', maxRecords: 10, maxBytes: 10_000_000 })!;
    expect(batch.records.map((record) => record.stream)).toEqual(['shift_close']);
    outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
    expect(outbox.nextBatch({ lane: 'urgent', maxRecords: 10, maxBytes: 10_000_000 })).toBeNull();
    expect(outbox.shiftCloses({ limit: 10 })).toMatchObject([{ z: '412', total: '239.85', upload: 'uploaded' }]);
    expect(outbox.shiftCloses({ source: 'another', limit: 10 })).toEqual([]);
  }, 60_000);

  it('names no register and labels the shift by its key when the till keeps neither register nor Z number', async () => {
    pos = await PosDocuments.create('shift-screen-plain', SCHEMA);
    const config = pos.source({
      documents: [{ name: 'shift_close', shift: { table: 'shifts', keyColumns: ['id'], closedWhen: { type: 'closeColumnSet', column: 'closed' } } }],
    });
    const outbox = pos.cloud.outbox;
    const loop = pos.start(config);
    await waitFor('the closed shift on the list', () => outbox.shiftCloses({ limit: 10 }).length > 0, { timeoutMs: 20_000 });
    await loop.stop();
    const [stored] = outbox.shiftCloses({ limit: 10 });
    expect(stored).toMatchObject({ register: '', z: null, total: null, overShort: null, balanced: true });
    expect(documentShift(stored!)).toMatchObject({ register: '', zLabel: '#1', document: 'shift_close', file: null });
  }, 60_000);
});
