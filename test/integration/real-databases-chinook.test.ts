/**
 * Chinook, a database no one here wrote (the external corpus's db/chinook), in SQLite (the ready-made
 * file, copied to a temp dir), PostgreSQL and MariaDB (its scripts, pointed at throwaway databases),
 * synced completely by a real agent process. Chinook has no updated-at columns: every stream uses
 * its primary key as the cursor (PlaylistTrack's composite key: first column as cursor, both as key).
 * Per table the cloud's count and digest equal the database's own; invoice totals and line prices
 * arrive as the database's exact decimal text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimalSum } from '../helpers/fixture-checksum.ts';
import {
  loadChinookMariaDb,
  loadChinookPostgres,
  loadChinookSqlite,
  type FixtureDatabase,
} from '../helpers/fixture-databases.ts';
import { describeComparison, syncFixtures, type FixtureSync } from '../helpers/fixture-sync.ts';
import { hasExternalCorpus } from '../helpers/external-corpus.ts';
import { serviceMissing } from '../helpers/services.ts';

/** SOURCES.md: "412 invoices (sum 2328.60), 2240 invoice lines" in every variant. */
const DOCUMENTED = { invoices: 412, invoiceTotal: '2328.60', invoiceLines: 2240 };
const LABELS = ['chinook-sqlite', 'chinook-postgresql', 'chinook-mariadb'] as const;

let fixtures: FixtureDatabase[] = [];
let run: FixtureSync;

beforeAll(async () => {
  fixtures = [loadChinookSqlite(), ...(await Promise.all([loadChinookPostgres(), loadChinookMariaDb()]))];
  run = await syncFixtures(fixtures, { pageRows: 4000, batchMaxRecords: 4000, timeoutSecs: 120 });
}, 180_000);

afterAll(async () => {
  await run?.close();
  await Promise.all(fixtures.map((fixture) => fixture.db.drop()));
});

/** The invoice table and its columns as each variant spells them. */
function invoiceNames(label: (typeof LABELS)[number]) {
  return label === 'chinook-postgresql'
    ? {
        invoice: 'invoice',
        id: 'invoice_id',
        total: 'total',
        line: 'invoice_line',
        lineId: 'invoice_line_id',
        price: 'unit_price',
      }
    : {
        invoice: 'Invoice',
        id: 'InvoiceId',
        total: 'Total',
        line: 'InvoiceLine',
        lineId: 'InvoiceLineId',
        price: 'UnitPrice',
      };
}

describe.skipIf(!hasExternalCorpus() || serviceMissing('postgresql', 'mariadb'))('Chinook synced completely by a real agent', () => {
  it('the agent finished: every stream read, queue empty', () => {
    expect(run.sync.stderr).toBe('');
    expect(run.sync.code, run.sync.stdout).toBe(0);
  });

  for (const label of LABELS) {
    it(`${label}: every table's count and digest equal the database's own`, async () => {
      const fixture = fixtures.find((f) => f.label === label)!;
      const comparisons = await run.compare(fixture);
      for (const comparison of comparisons) process.stdout.write(`${describeComparison(comparison)}\n`);
      expect(comparisons.map((c) => c.table.toLowerCase().replaceAll('_', '')).sort()).toEqual([
        'album',
        'artist',
        'customer',
        'employee',
        'genre',
        'invoice',
        'invoiceline',
        'mediatype',
        'playlist',
        'playlisttrack',
        'track',
      ]);
      const mismatches = comparisons.filter(
        (c) =>
          c.database.count !== c.cloud.count ||
          c.database.digest !== c.cloud.digest ||
          c.storedRecords !== c.database.count ||
          c.badColumns.length > 0,
      );
      expect(mismatches.map(describeComparison)).toEqual([]);
      expect(comparisons.find((c) => /^invoice_?line$/i.test(c.table))!.cloud.count).toBe(DOCUMENTED.invoiceLines);
    });

    it(`${label}: invoice totals and line prices are the database's exact decimal text`, async () => {
      const fixture = fixtures.find((f) => f.label === label)!;
      const names = invoiceNames(label);
      const q = (name: string) => (fixture.dialect === 'mariadb' ? `\`${name}\`` : `"${name}"`);
      const text = fixture.dialect === 'mariadb' ? 'CHAR' : fixture.dialect === 'postgresql' ? 'text' : 'TEXT';
      const sql = (table: string, id: string, value: string) =>
        `SELECT CAST(${q(id)} AS ${text}), CAST(${q(value)} AS ${text}) FROM ${q(table)}`;
      for (const [table, id, column, stream] of [
        [names.invoice, names.id, names.total, names.invoice.toLowerCase()],
        [names.line, names.lineId, names.price, names.line.toLowerCase()],
      ] as const) {
        const databaseText = new Map((await fixture.db.query(sql(table, id, column))).map(([k, v]) => [k!, v!]));
        const stored = await run.latest(label, stream);
        const cloudText = new Map(stored.map((record) => [record.key[id]!, record.data?.[column]]));
        expect(cloudText.size).toBe(databaseText.size);
        expect([...databaseText].filter(([k, v]) => cloudText.get(k) !== v).slice(0, 5)).toEqual([]);
        for (const value of cloudText.values()) expect(value).toMatch(/^\d+(\.\d+)?$/);
        if (table === names.invoice) {
          expect(cloudText.size).toBe(DOCUMENTED.invoices);
          expect(decimalSum([...cloudText.values()] as string[])).toBe(DOCUMENTED.invoiceTotal);
        }
      }
    });
  }
});
