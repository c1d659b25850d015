/**
 * The three stream modes, written once and run against each real database by the
 * `modes.<dialect>.test.ts` files. Expected values come from what the test wrote, never from the
 * source's output.
 */
import { expect, it } from 'vitest';
import type { OdbcSourceConfig, SourceRecord } from '../../../api/index.ts';
import { OdbcSourceSchema } from '../../../api/index.ts';
import { dialectFor } from '../dialects/index.ts';
import { nodeOdbcDriver } from '../odbc-driver.ts';
import type { OdbcDriver } from '../odbc-driver.ts';
import { OdbcSource } from '../odbc-source.ts';
import { fetchRows } from '../row-reader.ts';
import { scanQuery } from '../scan-query.ts';
import { hashFromHex } from '../snapshot/row-hash.ts';
import { resolveRowHash } from '../snapshot/row-hash-sql.ts';
import { segmentSums } from '../snapshot/segment-sums.ts';
import { planStream } from '../stream-plan.ts';
import { drain, memoryContext } from '../test-harness.ts';
import type { MemoryContext } from '../test-harness.ts';
import type { QueryLog } from './counting-driver.ts';
import { countingDriver } from './counting-driver.ts';
import { useFixtureDatabase, type ModeFixture } from './mode-fixtures.ts';

const signal = new AbortController().signal;

export function describeOdbcModes(fixture: ModeFixture): void {
  const live = useFixtureDatabase(fixture);
  const t = fixture.types;

  /** Streams as a config file would give them (defaults filled in by the schema). */
  function config(streams: Record<string, unknown>[]): OdbcSourceConfig {
    return OdbcSourceSchema.parse({ type: 'odbc', name: 'erp', dialect: fixture.dialect, connectionString: live.db.connectionString, streams });
  }

  async function connected(cfg: OdbcSourceConfig, ctx: MemoryContext, driver: OdbcDriver = nodeOdbcDriver): Promise<OdbcSource> {
    const source = new OdbcSource(cfg, ctx, driver);
    await source.connect(signal);
    return source;
  }

  const ids = (records: SourceRecord[]) => records.map((r) => `${r.op === 'delete' ? '-' : ''}${Object.values(r.key).join('/')}`);

  it('cursor mode on two cursor columns pages in (batch, seq, key) order and finds a late row in the newest batch', async () => {
    await live.writer.exec(
      `CREATE TABLE moves (id ${t.int} PRIMARY KEY, batch ${t.bigint} NOT NULL, seq ${t.bigint} NOT NULL, note ${t.text})`,
      `INSERT INTO moves VALUES (1, 2, 1, 'a'), (2, 1, 9, 'b'), (3, 2, 1, 'c'), (4, 1, 2, 'd'), (5, 3, 0, 'e')`,
    );
    const ctx = memoryContext();
    const cfg = config([{ name: 'moves', table: 'moves', keyColumns: ['id'], cursorColumns: ['batch', 'seq'], pageRows: 2 }]);
    const source = await connected(cfg, ctx);
    expect(ids((await drain(source, ctx)).records)).toEqual(['4', '2', '1', '3', '5']);
    expect(ctx.committed.get('erp/moves')).toMatchObject({ cursor: ['3', '0'], key: ['5'] });
    // A row of the newest batch with a smaller seq (committed late), and an update that moves row 2 forward.
    await live.writer.exec(`INSERT INTO moves VALUES (6, 3, -1, 'late')`, `UPDATE moves SET batch = 4, note = 'moved' WHERE id = 2`);
    expect(ids((await drain(source, ctx)).records)).toEqual(['6', '2']);
    expect(ids((await drain(source, ctx)).records)).toEqual([]);
    await source.close();
  });

  it('cursor mode reads the newest cursor value again: a row committed later at that value with a smaller key arrives, nothing is sent twice', async () => {
    await live.writer.exec(
      `CREATE TABLE tickets (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL, note ${t.text})`,
      `INSERT INTO tickets VALUES (10, 1, 'a'), (20, 5, 'b'), (30, 5, 'c')`,
    );
    const ctx = memoryContext();
    const cfg = config([{ name: 'tickets', table: 'tickets', keyColumns: ['id'], cursorColumn: 'updated' }]);
    const source = await connected(cfg, ctx);
    expect(ids((await drain(source, ctx)).records)).toEqual(['10', '20', '30']);
    // Keyset order alone ((updated, id) > (5, 30)) would never see (5, 15): Airbyte's lost rows at the max cursor.
    await live.writer.exec(`INSERT INTO tickets VALUES (15, 5, 'late')`);
    expect(ids((await drain(source, ctx)).records)).toEqual(['15']);
    // The same row re-read without a change is not sent; changed in place (same cursor value), it is.
    await live.writer.exec(`UPDATE tickets SET note = 'fixed' WHERE id = 20`);
    const changed = await drain(source, ctx);
    expect(ids(changed.records)).toEqual(['20']);
    expect(changed.records[0]!.data).toMatchObject({ note: 'fixed' });
    await source.close();
    // After a restart the window's memory comes from the checkpoint: still nothing twice.
    const restarted = await connected(cfg, ctx);
    expect(ids((await drain(restarted, ctx)).records)).toEqual([]);
    await restarted.close();
  });

  it('lookbackSecs finds a transaction that committed late with an older timestamp; the window stays small', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `(${i + 1}, '2024-05-01 10:00:${String(i).padStart(2, '0')}', 'r${i + 1}')`);
    await live.writer.exec(
      `CREATE TABLE journal (id ${t.int} PRIMARY KEY, changed ${t.timestamp} NOT NULL, note ${t.text})`,
      `INSERT INTO journal VALUES ${rows.join(', ')}`,
    );
    const ctx = memoryContext();
    const cfg = config([{ name: 'journal', table: 'journal', keyColumns: ['id'], cursorColumn: 'changed', lookbackSecs: 10, pageRows: 4 }]);
    const source = await connected(cfg, ctx);
    expect((await drain(source, ctx)).records).toHaveLength(30);
    // Only rows within 10 s (+1 s) of the newest (10:00:29) are remembered.
    const seen = (ctx.committed.get('erp/journal') as { seen: unknown[] }).seen;
    expect(seen.length).toBeGreaterThanOrEqual(11);
    expect(seen.length).toBeLessThanOrEqual(13);
    await live.writer.exec(
      `INSERT INTO journal VALUES (31, '2024-05-01 10:00:21', 'late, inside the window')`,
      `INSERT INTO journal VALUES (32, '2024-05-01 10:00:05', 'later than the window reaches')`,
    );
    expect(ids((await drain(source, ctx)).records)).toEqual(['31']);
    expect(ids((await drain(source, ctx)).records)).toEqual([]);
    await source.close();
    const restarted = await connected(cfg, ctx);
    expect(ids((await drain(restarted, ctx)).records)).toEqual([]);
    await restarted.close();
  });

  it('append mode reads rows with new keys, in key order, and never re-reads an updated row', async () => {
    await live.writer.exec(
      `CREATE TABLE audit_log (id ${t.bigint} PRIMARY KEY, note ${t.text})`,
      `INSERT INTO audit_log VALUES (3, 'c'), (1, 'a'), (2, 'b')`,
    );
    const ctx = memoryContext();
    const cfg = config([{ name: 'audit', table: 'audit_log', keyColumns: ['id'], mode: 'append', pageRows: 2 }]);
    const source = await connected(cfg, ctx);
    expect(ids((await drain(source, ctx)).records)).toEqual(['1', '2', '3']);
    await live.writer.exec(`UPDATE audit_log SET note = 'changed' WHERE id = 2`, `INSERT INTO audit_log VALUES (5, 'e'), (4, 'd')`);
    expect(ids((await drain(source, ctx)).records)).toEqual(['4', '5']);
    const checkpoint = ctx.committed.get('erp/audit') as Record<string, unknown>;
    expect(checkpoint.key).toEqual(['5']);
    expect(checkpoint).not.toHaveProperty('cursor');
    await source.close();
  });

  it('snapshot mode sends every row once, then exactly the inserts, updates and deletes, comparing chunk sums in the database', async () => {
    const codes = Array.from({ length: 40 }, (_, i) => `A${String(i * 10 + 100)}`);
    await live.writer.exec(
      `CREATE TABLE accounts (code ${t.text} PRIMARY KEY, name ${t.text}, balance ${t.decimal})`,
      `INSERT INTO accounts VALUES ${codes.map((code, i) => `('${code}', 'Account ${i}', ${i}.25)`).join(', ')}`,
    );
    const ctx = memoryContext();
    const log: QueryLog[] = [];
    const snapshot = { minChunkRows: 4, maxChunkRows: 8, leafRows: 2 };
    const cfg = config([{ name: 'accounts', table: 'accounts', keyColumns: ['code'], mode: 'snapshot', snapshot, pageRows: 5 }]);
    const source = await connected(cfg, ctx, countingDriver(log));
    const first = await drain(source, ctx);
    expect(ids(first.records)).toEqual(codes);
    expect(first.records[0]!.data).toEqual({ code: 'A100', name: 'Account 0', balance: '0.25' });

    log.length = 0;
    expect((await drain(source, ctx)).records).toEqual([]);
    const rowQueries = () => log.filter((q) => /FROM\s+\S*accounts/i.test(q.sql) && !q.sql.includes('COUNT(*)'));
    const hashedInDatabase = dialectFor(fixture.dialect).rowHash !== undefined;
    if (hashedInDatabase) {
      // Nothing changed: chunk sums only, and the tail (keys after the last) read as empty.
      expect(rowQueries().map((q) => q.rows)).toEqual([0]);
    } else {
      expect(rowQueries().reduce((sum, q) => sum + q.rows, 0)).toBe(40);
    }

    log.length = 0;
    await live.writer.exec(
      `UPDATE accounts SET balance = 99.99 WHERE code = 'A250'`,
      `INSERT INTO accounts VALUES ('A255', 'Between', 1.00), ('Z999', 'After the last', 2.00)`,
      `DELETE FROM accounts WHERE code = 'A400'`,
    );
    const diff = await drain(source, ctx);
    expect(ids(diff.records).sort()).toEqual(['-A400', 'A250', 'A255', 'Z999']);
    const deleted = diff.records.find((r) => r.op === 'delete')!;
    expect(deleted).toEqual({ stream: 'accounts', key: { code: 'A400' }, op: 'delete', capturedAt: expect.any(String) as string });
    expect(diff.records.find((r) => r.key.code === 'A250')!.data).toMatchObject({ balance: '99.99' });
    const pulled = rowQueries().reduce((sum, q) => sum + q.rows, 0);
    // drain() runs the round that finds the changes and one more that finds none. With sums in the
    // database only the differing chunks' leaves are read; SQLite reads all 41 rows in each round.
    if (hashedInDatabase) expect(pulled).toBeLessThanOrEqual(12);
    else expect(pulled).toBe(2 * 41);
    expect((await drain(source, ctx)).records).toEqual([]);
    await source.close();
  });

  it('snapshot mode resumes a round after a crash: committed batches are not read again, an uncommitted one is', async () => {
    await live.writer.exec(`CREATE TABLE items (a ${t.int} NOT NULL, b ${t.int} NOT NULL, qty ${t.decimal}, PRIMARY KEY (a, b))`);
    const values = Array.from({ length: 60 }, (_, i) => `(${i % 3}, ${i}, ${i}.25)`);
    await live.writer.exec(`INSERT INTO items VALUES ${values.join(', ')}`);
    const ctx = memoryContext();
    const snapshot = { minChunkRows: 4, maxChunkRows: 8, leafRows: 2 };
    // pageRows 2: a round commits every 20 records.
    const cfg = config([{ name: 'items', table: 'items', keyColumns: ['a', 'b'], mode: 'snapshot', snapshot, pageRows: 2 }]);
    const source = await connected(cfg, ctx);
    const committed = (await source.read(signal))!;
    expect(committed.records).toHaveLength(20);
    ctx.commit('erp', committed);
    const lost = (await source.read(signal))!;
    expect(lost.records).toHaveLength(20);
    await source.close(); // a crash: the second batch never committed

    const restarted = await connected(cfg, ctx);
    const rest = await drain(restarted, ctx);
    const first = new Set(ids(committed.records));
    expect(ids(rest.records).filter((id) => first.has(id))).toEqual([]);
    expect(ids(rest.records).slice(0, 20)).toEqual(ids(lost.records));
    expect(new Set([...first, ...ids(rest.records)]).size).toBe(60);

    // Resumed mid-round after changes in both the finished part and the rest.
    await live.writer.exec(`DELETE FROM items WHERE a = 0 AND b = 3`, `UPDATE items SET qty = 0 WHERE a = 2 AND b = 59`);
    const again = (await restarted.read(signal))!;
    ctx.commit('erp', again);
    await restarted.close();
    const third = await connected(cfg, ctx);
    const after = [...again.records, ...(await drain(third, ctx)).records];
    expect(ids(after).sort()).toEqual(['-0/3', '2/59']);
    await third.close();
  });

  it('a stream with intervalSecs starts a round only that often, while the others read at every sync', async () => {
    await live.writer.exec(
      `CREATE TABLE tills (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL)`,
      `CREATE TABLE vat_codes (code ${t.text} PRIMARY KEY, rate ${t.decimal})`,
      `INSERT INTO tills VALUES (1, 1)`,
      `INSERT INTO vat_codes VALUES ('A', 19.00)`,
    );
    let now = Date.UTC(2025, 0, 1);
    const ctx = memoryContext({ clock: { now: () => now, sleep: () => Promise.resolve() } });
    const cfg = config([
      { name: 'tills', table: 'tills', keyColumns: ['id'], cursorColumn: 'updated' },
      { name: 'vat', table: 'vat_codes', keyColumns: ['code'], mode: 'snapshot', intervalSecs: 60 },
    ]);
    const source = await connected(cfg, ctx);
    expect(ids((await drain(source, ctx)).records)).toEqual(['1', 'A']);
    await live.writer.exec(`INSERT INTO tills VALUES (2, 2)`, `INSERT INTO vat_codes VALUES ('B', 7.00)`);
    now += 30_000;
    expect(ids((await drain(source, ctx)).records)).toEqual(['2']);
    now += 31_000;
    expect(ids((await drain(source, ctx)).records)).toEqual(['B']);
    await source.close();
  });

  const hashedBySql = dialectFor(fixture.dialect).rowHash !== undefined;
  if (!hashedBySql) {
    console.log(`skipped on ${fixture.dialect}: it has no hash function in SQL, so snapshot rows are hashed locally (covered by the snapshot diff scenarios above)`);
  }
  it.skipIf(!hashedBySql)('hashes rows in the database: NULL, empty, quotes and Unicode apart, and chunk sums equal the rows’ hashes', async () => {
    await live.writer.exec(
      `CREATE TABLE hashed (id ${t.int} PRIMARY KEY, note ${t.text}, amount ${t.decimal})`,
      `INSERT INTO hashed VALUES (1, NULL, NULL), (2, '', NULL), (3, 'NULL', NULL), (4, '''', NULL), (5, '漢字 😀 é', -12.5), (6, NULL, 0), (7, '', 0)`,
    );
    const connection = await nodeOdbcDriver.connect({ connectionString: live.db.connectionString, loginTimeoutSecs: 15 });
    try {
      const dialect = dialectFor(fixture.dialect);
      for (const sql of dialect.sessionSetup) await connection.query(sql);
      const cfg = config([{ name: 'hashed', table: 'hashed', keyColumns: ['id'], mode: 'snapshot' }]);
      const plan = await planStream(connection, dialect, 'erp', cfg.streams[0]!);
      // The hash this server computes, and the fallback for older servers where there is one.
      for (const rowHash of [(await resolveRowHash(connection, dialect))!, ...(dialect.rowHashFallback ? [dialect.rowHashFallback] : [])]) {
      const extra = [`${rowHash.hex(plan.table.columns)} AS h`];
      const query = scanQuery({ table: plan.table, dialect, order: plan.keys, lower: { type: 'start' }, limit: 10, extra });
      const rows = await fetchRows({ connection, dialect, plan, timeZone: 'UTC' }, query, ['h']);
      // Rows differing only in id still differ; so do NULL, '', 'NULL' and a quote.
      const hashes = rows.map((row) => hashFromHex(row.extra.h));
      expect(new Set(hashes).size).toBe(7);
      const context = { connection, dialect, rowHash, timeZone: 'UTC', capturedAt: '', now: () => 0, signal };
      const parts = await segmentSums(context, plan, rowHash, null, [['2'], ['5'], ['7']]);
      const expected = [hashes.slice(0, 2), hashes.slice(2, 5), hashes.slice(5)].map((part) => ({
        rows: part.length,
        sum: part.reduce((a, b) => a + b, 0n) % 2n ** 64n,
      }));
      expect(parts).toEqual(expected);
      // A range after a key, with an empty segment in it.
      expect(await segmentSums(context, plan, rowHash, ['5'], [['5'], ['7']])).toEqual([{ rows: 0, sum: 0n }, expected[2]]);
      }
    } finally {
      await connection.close();
    }
  });
  if (!hashedBySql) console.log(`${fixture.dialect}: the database has no hash function, so rows are hashed by the agent and no SQL hash is tested.`);
}
