/**
 * Snapshot mode's integer-key fast path (bucket sums, batched key-and-hash comparison, whole rows
 * read by key) and the move of a manifest made with an older row hash, against each real database
 * (`modes.<dialect>.test.ts`). Expected records come from what the test changed.
 */
import { expect, it } from 'vitest';
import type { JsonObject, OdbcSourceConfig, SourceRecord } from '../../../api/index.ts';
import { OdbcSourceSchema } from '../../../api/index.ts';
import { dialectFor } from '../dialects/index.ts';
import { nodeOdbcDriver } from '../odbc-driver.ts';
import type { OdbcDriver } from '../odbc-driver.ts';
import { OdbcSource } from '../odbc-source.ts';
import { fetchRows } from '../row-reader.ts';
import { scanQuery } from '../scan-query.ts';
import { planStream } from '../stream-plan.ts';
import { hashFromHex } from '../snapshot/row-hash.ts';
import { RowList, packRows } from '../snapshot/row-list.ts';
import { drain, memoryContext } from '../test-harness.ts';
import type { MemoryContext } from '../test-harness.ts';
import type { QueryLog } from './counting-driver.ts';
import { countingDriver } from './counting-driver.ts';
import { useFixtureDatabase, type ModeFixture } from './mode-fixtures.ts';

const signal = new AbortController().signal;
const HASH = 'h';

export function describeSnapshotScenarios(fixture: ModeFixture): void {
  const live = useFixtureDatabase(fixture);
  const t = fixture.types;

  const dialect = dialectFor(fixture.dialect);
  const ids = (records: SourceRecord[]) =>
    records.map((r) => `${r.op === 'delete' ? '-' : ''}${Object.values(r.key).join('/')}`);

  function config(table: string): OdbcSourceConfig {
    const snapshot = { minChunkRows: 40, maxChunkRows: 120, leafRows: 4 };
    const streams = [{ name: table, table, keyColumns: ['id'], mode: 'snapshot', snapshot, pageRows: 7 }];
    return OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: fixture.dialect,
      connectionString: live.db.connectionString,
      streams,
    });
  }

  async function connected(
    cfg: OdbcSourceConfig,
    ctx: MemoryContext,
    driver: OdbcDriver = nodeOdbcDriver,
  ): Promise<OdbcSource> {
    const source = new OdbcSource(cfg, ctx, driver);
    await source.connect(signal);
    return source;
  }

  /** 300 rows keyed 10, 20, … 3000 (gaps for inserts between), an exact amount and a note. */
  async function createLedger(table: string): Promise<void> {
    const values = Array.from({ length: 300 }, (_, i) => `(${(i + 1) * 10}, ${i}.05, 'row ${i}')`);
    await live.writer.exec(
      `CREATE TABLE ${table} (id ${t.bigint} PRIMARY KEY, amount ${t.decimal}, note ${t.text})`,
      `INSERT INTO ${table} VALUES ${values.join(', ')}`,
    );
  }

  it('snapshot mode on an integer key finds exactly the spread changes, reading whole only the rows that changed', async () => {
    await createLedger('ledger');
    const ctx = memoryContext();
    const log: QueryLog[] = [];
    const source = await connected(config('ledger'), ctx, countingDriver(log));
    expect((await drain(source, ctx)).records).toHaveLength(300);
    expect((await drain(source, ctx)).records).toEqual([]);

    await live.writer.exec(
      `UPDATE ledger SET amount = amount + 1 WHERE id IN (10, 770, 780, 1500, 3000)`,
      `UPDATE ledger SET note = NULL WHERE id = 2210`,
      `DELETE FROM ledger WHERE id IN (20, 1010, 2990)`,
      `INSERT INTO ledger VALUES (5, 1.00, 'before the first'), (775, 2.00, 'between'), (1011, 3.00, 'where one was deleted'), (4000, 4.00, 'after the last')`,
    );
    log.length = 0;
    const diff = await drain(source, ctx);
    expect(ids(diff.records).sort()).toEqual(
      ['10', '770', '780', '1500', '3000', '2210', '-20', '-1010', '-2990', '5', '775', '1011', '4000'].sort(),
    );
    expect(diff.records.find((r) => r.key.id === '770')!.data).toMatchObject({ amount: '77.05' });
    expect(diff.records.find((r) => r.key.id === '2210')!.data).toMatchObject({ note: null });
    if (dialect.integerBucket !== undefined && dialect.rowHash !== undefined) {
      // Whole rows: the 9 upserts within the manifest's range, and the tail's one (4000). Keys and hashes: only the differing parts.
      const whole = log.filter(
        (q) => /FROM\s+\S*ledger/i.test(q.sql) && !q.sql.includes('COUNT(*)') && !q.sql.includes(' AS k, '),
      );
      expect(whole.reduce((sum, q) => sum + q.rows, 0)).toBe(10);
      const keyed = log.filter((q) => q.sql.includes(' AS k, '));
      expect(keyed.reduce((sum, q) => sum + q.rows, 0)).toBeLessThan(100);
    }
    expect((await drain(source, ctx)).records).toEqual([]);
    await source.close();
  });

  if (dialect.legacyRowHash === undefined) {
    console.log(
      `skipped on ${fixture.dialect}: its manifests have named their row hash from the start, there is no legacy one to move from`,
    );
  }
  it.skipIf(dialect.legacyRowHash === undefined)(
    'a manifest made with the legacy row hash is compared with it once, sending only what changed, then kept in the current hash',
    async () => {
      await createLedger('legacy');
      const ctx = memoryContext();
      const cfg = config('legacy');
      const source = await connected(cfg, ctx);
      await drain(source, ctx);
      await source.close();
      // Rewrite the committed manifest as an agent before hash ids would have: legacy hashes, no "hash",
      // the rows inline (before checkpoint parts).
      const key = `erp/legacy`;
      const saved = ctx.committed.get(key) as JsonObject;
      expect(saved.hash).toBe(dialect.rowHash!.id);
      const list = await legacyManifest(cfg);
      const { hash: _dropped, parts: _parts, views: _views, ...rest } = saved;
      ctx.committed.set(key, { ...rest, ...packRows([{ list, start: 0, end: list.length }]) });

      await live.writer.exec(`UPDATE legacy SET note = 'changed' WHERE id = 1230`);
      const again = await connected(cfg, ctx);
      expect(ids((await drain(again, ctx)).records)).toEqual(['1230']);
      expect((ctx.committed.get(key) as JsonObject).hash).toBe(dialect.rowHash!.id);
      expect((await drain(again, ctx)).records).toEqual([]);
      await again.close();
    },
  );

  /** The table's keys and legacy row hashes, as an older agent's manifest held them. */
  async function legacyManifest(cfg: OdbcSourceConfig): Promise<RowList> {
    const connection = await nodeOdbcDriver.connect({
      connectionString: live.db.connectionString,
      loginTimeoutSecs: 15,
    });
    try {
      for (const sql of dialect.sessionSetup) await connection.query(sql);
      const plan = await planStream(connection, dialect, 'erp', cfg.streams[0]!);
      const hash = `${dialect.legacyRowHash!.hex(plan.table.columns)} AS ${HASH}`;
      const query = scanQuery({
        table: plan.table,
        dialect,
        order: plan.keys,
        lower: { type: 'start' },
        limit: 1000,
        extra: [hash],
      });
      const list = new RowList();
      for (const row of await fetchRows({ connection, dialect, plan, timeZone: 'UTC' }, query, [HASH]))
        list.push(row.key, hashFromHex(row.extra[HASH]));
      return list;
    } finally {
      await connection.close();
    }
  }
}
