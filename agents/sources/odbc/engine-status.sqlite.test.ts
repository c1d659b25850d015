/**
 * Schema drift as the engine sees it: the real capture loop, outbox and status tracker around the
 * source. One stream's table changes; the agent's status says which table and column, and the
 * other stream's new rows still reach the outbox.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import type { ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { createSqliteFile } from '../../../test/helpers/databases.ts';
import { odbcCaptureLoop } from './scenarios/capture-loop-harness.ts';
import { OutboxCloud } from './scenarios/outbox-cloud.ts';
import { openWriter } from './scenarios/odbc-writer.ts';

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('schema drift through the engine (SQLite over ODBC)', () => {
  let db: ThrowawayDatabase | undefined;
  let cloud: OutboxCloud | undefined;
  afterEach(async () => {
    cloud?.close();
    await db?.drop();
  });

  it('status names the changed table and column while the other stream keeps capturing', async () => {
    db = createSqliteFile('odbc-engine-drift');
    const writer = await openWriter(db.connectionString, 'sqlite');
    await writer.exec(
      'CREATE TABLE invoices (id INTEGER PRIMARY KEY, updated INTEGER NOT NULL, note TEXT)',
      'CREATE TABLE payments (id INTEGER PRIMARY KEY, updated INTEGER NOT NULL)',
      "INSERT INTO invoices VALUES (1, 1, 'a')",
      'INSERT INTO payments VALUES (1, 1)',
    );
    cloud = new OutboxCloud(systemClock);
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: 'sqlite',
      connectionString: db.connectionString,
      intervalSecs: 0.05,
      streams: [
        { name: 'invoices', table: 'invoices', keyColumns: ['id'], cursorColumn: 'updated' },
        { name: 'payments', table: 'payments', keyColumns: ['id'], cursorColumn: 'updated' },
      ],
    });
    const outbox = cloud.outbox;
    const { loop, status } = odbcCaptureLoop(cloud, config);
    const queued = () => outbox.stats().depth;
    loop.start();
    try {
      await until('both first rows queued', () => queued() === 2);
      await writer.exec('ALTER TABLE invoices RENAME COLUMN note TO memo', "INSERT INTO invoices VALUES (2, 2, 'b')");
      await until('the drift in status', () => status.sourceStatuses()[0]!.lastError?.code === 'schema_drift');
      const source = status.sourceStatuses()[0]!;
      expect(source.lastError!.message).toContain('stream "invoices"');
      expect(source.lastError!.message).toContain('column "note" was renamed to "memo"');
      expect(source.lastError!.message).toContain('the other streams keep running');
      // The other stream still captures, pass after pass.
      await writer.exec('INSERT INTO payments VALUES (2, 2)', 'INSERT INTO payments VALUES (3, 3)');
      await until('the payments queued', () => queued() === 4);
      expect(status.sourceStatuses()[0]!.recordsCaptured).toBe(4);
      cloud.deliver();
      expect([...cloud.stream('payments').keys()]).toEqual(['{"id":"1"}', '{"id":"2"}', '{"id":"3"}']);
      expect([...cloud.stream('invoices').keys()]).toEqual(['{"id":"1"}']);
    } finally {
      await loop.stop();
      await writer.close();
    }
  });
});
