/**
 * A till's shift close is captured within `pollSecs` while the source waits for its next pass, not
 * at the next `intervalSecs` (10 s by default, often minutes on a busy ERP). The real capture loop
 * over a SQLite POS read over ODBC, into a real outbox; only the shift table is asked between
 * passes, so the table streams still cost one pass per interval.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/helpers/agent-process.ts';
import { PosDocuments } from '../scenarios/pos-documents.ts';

const SCHEMA = `
CREATE TABLE shifts (id INTEGER PRIMARY KEY, till TEXT NOT NULL, z INTEGER NOT NULL, closed DATETIME, counted TEXT, expected TEXT);
CREATE TABLE receipts (id INTEGER PRIMARY KEY, shift_id INTEGER NOT NULL, total TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, changed INTEGER NOT NULL);
INSERT INTO shifts VALUES (1, 'till-1', 412, NULL, NULL, NULL);
INSERT INTO receipts VALUES (10, 1, '120.10');
INSERT INTO items VALUES (1, 1);`;

let pos: PosDocuments | undefined;
afterEach(() => pos?.dispose());

describe('shift closes between passes', () => {
  it('are captured within pollSecs while the table streams wait for their 30 s interval', async () => {
    pos = await PosDocuments.create('idle-poll', SCHEMA);
    const { db } = pos;
    const config = pos.source({
      intervalSecs: 30,
      documents: [
        {
          name: 'shift_close',
          currency: 'EUR',
          pollSecs: 0.2,
          shift: { table: 'shifts', keyColumns: ['id'], registerColumn: 'till', zNumberColumn: 'z', closedWhen: { type: 'closeColumnSet', column: 'closed' } },
          receipts: { table: 'receipts', match: { shift_id: 'id' }, idColumn: 'id', totalColumn: 'total' },
        },
      ],
    });
    const outbox = pos.cloud.outbox;
    const loop = pos.start(config, { intervalMs: config.intervalSecs * 1000 });
    await waitFor('the first pass', () => loop.isCaughtUp, { timeoutMs: 20_000 });
    const queuedAfterFirstPass = outbox.stats().depth;
    expect(queuedAfterFirstPass, 'the one item row').toBe(1);

    // The till closes its shift and, at the same moment, a new item row is written.
    await db.exec(`UPDATE shifts SET closed = '2025-03-03 23:40:00', counted = '120.10', expected = '120.10' WHERE id = 1;
      INSERT INTO items VALUES (2, 2);`);
    const closedAt = Date.now();
    await waitFor('the shift close in the queue', () => outbox.shiftCloses({ limit: 10 }).length === 1, { timeoutMs: 5_000, intervalMs: 20 });
    const latencyMs = Date.now() - closedAt;
    console.log(`[idle-poll] shift close queued ${latencyMs} ms after the till closed it (pollSecs 0.2, intervalSecs 30)`);
    expect(latencyMs).toBeLessThan(3_000);
    // Only the shift was read: the item waits for the next pass.
    expect(outbox.stats().depth).toBe(queuedAfterFirstPass + 1);

    loop.syncNow();
    await waitFor('the item at the pass sync now starts', () => outbox.stats().depth === queuedAfterFirstPass + 2, { timeoutMs: 10_000 });
  }, 60_000);
});
