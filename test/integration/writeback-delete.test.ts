/**
 * A delete from the cloud into an ERP staging table: written with the table's op column so the ERP's
 * importer can tell it from a new row, once; a target without an op column refuses it (reported
 * failed, nothing written) instead of staging it as if it were a row to insert.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../sandbox/sandbox-test-kit.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { enrolledClient, makeApplier, pass, writebackConfig } from '../helpers/writeback-kit.ts';

let t: TestSandbox;
let db: ThrowawayDatabase;
beforeAll(async () => {
  t = await startTestSandbox();
  db = createSqliteFile('wbdel');
  await db.exec(`CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT);
    CREATE TABLE wb_stage (item_id TEXT NOT NULL UNIQUE, op TEXT, acc_id TEXT, name TEXT);
    CREATE TABLE wb_plain (item_id TEXT NOT NULL UNIQUE, acc_id TEXT, name TEXT);`);
});
afterAll(async () => {
  await db?.drop();
  await t?.cleanup();
});

it('stages a delete with its op, and a target without an op column refuses one', async () => {
  const { client, agentId, cloudKey } = await enrolledClient(t);
  const common = { type: 'odbc', source: 'erp', idColumn: 'item_id', columns: { id: 'acc_id', name: 'name' }, policy: 'cloud-wins' };
  const config = writebackConfig('sqlite', db.connectionString, [
    { ...common, name: 'gl', table: 'wb_stage', opColumn: 'op' },
    { ...common, name: 'gl-plain', table: 'wb_plain' },
  ]);
  const { applier } = makeApplier(config, cloudKey);
  const upsert = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: '7' }, data: { id: '7', name: 'Rent' } });
  const removal = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', op: 'delete', key: { id: '8' }, data: { id: '8' } });
  const refused = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl-plain', op: 'delete', key: { id: '9' }, data: { id: '9' } });
  await pass(applier, client);
  await pass(applier, client);
  expect(await db.query('SELECT item_id, op, acc_id FROM wb_stage ORDER BY acc_id')).toEqual([[upsert.id, 'upsert', '7'], [removal.id, 'delete', '8']]);
  expect(await db.query('SELECT COUNT(*) FROM wb_plain')).toEqual([['0']]);
  const results = new Map((await t.admin.writebackResults(agentId)).map((r) => [r.id, r]));
  expect([results.get(upsert.id)?.status, results.get(removal.id)?.status, results.get(refused.id)?.status]).toEqual(['applied', 'applied', 'failed']);
  expect(results.get(refused.id)).toMatchObject({ resolution: 'delete_unsupported' });
  expect(results.get(refused.id)?.message).toMatch(/no opColumn.*nothing was written/);
});
