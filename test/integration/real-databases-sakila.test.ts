/**
 * Sakila, a database no one here wrote (the external corpus's db/sakila), loaded into PostgreSQL (jOOQ's
 * port, COPY data) and MariaDB (Oracle's 1.5 scripts) and synced completely by a real agent process.
 * Per table: the cloud's row count equals COUNT(*) and its order-independent digest equals the one
 * the database computes in SQL (test/helpers/fixture-checksum.ts). Payment amounts arrive exactly
 * as the database prints them, and add up to the totals SOURCES.md records for these files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudDigest, decimalSum } from '../helpers/fixture-checksum.ts';
import { loadSakilaMariaDb, loadSakilaPostgres, type FixtureDatabase } from '../helpers/fixture-databases.ts';
import { describeComparison, syncFixtures, type FixtureSync } from '../helpers/fixture-sync.ts';
import { hasExternalCorpus } from '../helpers/external-corpus.ts';
import { serviceMissing } from '../helpers/services.ts';

/** Payment totals as SOURCES.md states them for these two files (they are different Sakila versions). */
const DOCUMENTED_PAYMENT_TOTALS = {
  'sakila-postgresql': { rows: 16049, sum: '67416.51' },
  'sakila-mariadb': { rows: 16044, sum: '67406.56' },
};

let fixtures: FixtureDatabase[] = [];
let run: FixtureSync;

beforeAll(async () => {
  fixtures = await Promise.all([loadSakilaPostgres(), loadSakilaMariaDb()]);
  // 16k-row tables: large pages and batches keep the run near 15 s on two cores.
  run = await syncFixtures(fixtures, { pageRows: 4000, batchMaxRecords: 4000, timeoutSecs: 120 });
}, 180_000);

afterAll(async () => {
  await run?.close();
  await Promise.all(fixtures.map((fixture) => fixture.db.drop()));
});

describe.skipIf(!hasExternalCorpus() || serviceMissing('postgresql', 'mariadb'))('Sakila synced completely by a real agent', () => {
  it('the agent finished: every stream read, queue empty', () => {
    expect(run.sync.stderr).toBe('');
    expect(run.sync.code, run.sync.stdout).toBe(0);
  });

  for (const label of ['sakila-postgresql', 'sakila-mariadb'] as const) {
    it(`${label}: every table's count and digest equal the database's own`, async () => {
      const fixture = fixtures.find((f) => f.label === label)!;
      const comparisons = await run.compare(fixture);
      for (const comparison of comparisons) process.stdout.write(`${describeComparison(comparison)}\n`);
      // Every base table of the schema is there (views are not tables).
      expect(comparisons.map((c) => c.table)).toEqual(
        expect.arrayContaining(['actor', 'film', 'payment', 'rental', 'staff', 'store']),
      );
      expect(comparisons.length).toBeGreaterThanOrEqual(15);
      const mismatches = comparisons.filter(
        (c) =>
          c.database.count !== c.cloud.count ||
          c.database.digest !== c.cloud.digest ||
          c.storedRecords !== c.database.count ||
          c.badColumns.length > 0,
      );
      expect(mismatches.map(describeComparison)).toEqual([]);
      const rental = comparisons.find((c) => c.table === 'rental')!;
      expect(rental.database.count).toBe(16044);
    });

    it(`${label}: payment amounts are the database's exact decimal text and add up to the documented total`, async () => {
      const fixture = fixtures.find((f) => f.label === label)!;
      const expected = await fixture.db.query(
        'SELECT CAST(payment_id AS CHAR(12)), CAST(amount AS CHAR(12)) FROM payment',
      );
      const databaseText = new Map(expected.map(([id, amount]) => [id!.trim(), amount!.trim()]));
      const stored = await run.latest(label, 'payment');
      const cloudText = new Map(stored.map((record) => [record.key.payment_id!, record.data?.amount]));
      expect(cloudText.size).toBe(databaseText.size);
      const different = [...databaseText].filter(([id, amount]) => cloudText.get(id) !== amount);
      expect(different.slice(0, 5)).toEqual([]);
      for (const amount of cloudText.values()) expect(amount).toMatch(/^\d+\.\d{2}$/);
      const documented = DOCUMENTED_PAYMENT_TOTALS[label];
      expect(cloudText.size).toBe(documented.rows);
      expect(decimalSum([...cloudText.values()] as string[])).toBe(documented.sum);
    });
  }

  it('the digest can fail: one amount printed differently, one row missing or doubled', async () => {
    const fixture = fixtures.find((f) => f.label === 'sakila-postgresql')!;
    const table = run.tables.get(fixture.label)!.find((t) => t.name === 'payment')!;
    const rows = (await run.latest(fixture.label, 'payment')).map((record) => ({ ...record.data }));
    const good = cloudDigest(fixture.dialect, table, rows);
    const reformatted = rows.map((row, i) => (i === 7 ? { ...row, amount: `${String(row.amount)}0` } : row));
    expect(cloudDigest(fixture.dialect, table, reformatted).digest).not.toBe(good.digest);
    expect(cloudDigest(fixture.dialect, table, rows.slice(1)).count).toBe(good.count - 1);
    expect(cloudDigest(fixture.dialect, table, [...rows, rows[3]!]).digest).not.toBe(good.digest);
    const numeric = rows.map((row, i) => (i === 11 ? { ...row, amount: Number(row.amount) } : row));
    expect(cloudDigest(fixture.dialect, table, numeric).digest).not.toBe(good.digest);
  });
});
