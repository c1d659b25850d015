/**
 * The dashboard's write-back routes' engine side (control/service/writeback-view.ts) against the real
 * sandbox, a real SQLite ERP over ODBC and the real WritebackApplier: conflicts side by side per
 * field, refusals with their reasons, a per-field resolution with a typed value written once and
 * audited with the dashboard's actor, and an unknown outcome (intent recorded, crash) confirmed
 * "not applied" and written again, exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ControlHttpError } from '../../agents/control/control-routes.ts';
import { createWritebackPort } from '../../agents/control/service/writeback-view.ts';
import { runAsActor } from '../../agents/outbox/audit-actor.ts';
import { startTestSandbox, type TestSandbox } from '../../sandbox/sandbox-test-kit.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { accountVersion, enrolledClient, makeApplier, pass, writebackConfig } from '../helpers/writeback-kit.ts';

const COLUMNS = { id: 'acc_id', name: 'name', cost_centre: 'cost_centre' };

let t: TestSandbox;
let db: ThrowawayDatabase;
beforeAll(async () => {
  t = await startTestSandbox();
  db = createSqliteFile('wbdash');
  await db.exec(`CREATE TABLE accounts (id VARCHAR(40) PRIMARY KEY, name VARCHAR(100), cost_centre VARCHAR(40), updated_at VARCHAR(40));
    CREATE TABLE wb_stage (item_id VARCHAR(64) NOT NULL UNIQUE, acc_id VARCHAR(40), name VARCHAR(100), cost_centre VARCHAR(40));`);
});
afterAll(async () => {
  await db?.drop();
  await t?.cleanup();
});

function refusal(work: () => unknown): { status: number; code: string; message: string } {
  try {
    work();
  } catch (error) {
    if (error instanceof ControlHttpError) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

it('shows a manual conflict per field, refuses what cannot be done, and applies a per-field resolution once, audited by its actor', async () => {
  const { client, agentId, cloudKey } = await enrolledClient(t);
  const target = (name: string, policy: string) => ({ name, type: 'odbc', source: 'erp', table: 'wb_stage', idColumn: 'item_id', columns: COLUMNS, readBack: { source: 'erp', stream: 'accounts', key: ['id'] }, policy });
  const config = writebackConfig('sqlite', db.connectionString, [target('gl', 'manual'), target('gl-auto', 'cloud-wins')]);
  const { applier, state, audits, dataDir } = makeApplier(config, cloudKey);
  const port = createWritebackPort({ dataDir, nowIso: () => new Date().toISOString(), wake: () => false });
  expect(port.list({ limit: 10 })).toEqual([]);

  const base = { id: 'A1', name: 'Rent', cost_centre: 'C1', updated_at: 'x' };
  await db.exec(`INSERT INTO accounts VALUES ('A1', 'Rent here', 'C9', 'x')`);
  const item = await t.admin.createWriteback({
    agentId, entity: 'store-7', target: 'gl', key: { id: 'A1' },
    base: { stream: 'accounts', version: accountVersion(base), data: base }, data: { id: 'A1', name: 'Rent cloud', cost_centre: 'C1' },
  });
  await pass(applier, client);

  const [conflict, ...more] = port.conflicts();
  expect(more).toEqual([]);
  expect(conflict).toMatchObject({ id: item.id, target: 'gl', key: { id: 'A1' }, decisionPending: false });
  expect(conflict!.fields).toEqual([
    { field: 'id', base: 'A1', cloud: 'A1', premises: 'A1', conflicted: false },
    { field: 'name', base: 'Rent', cloud: 'Rent cloud', premises: 'Rent here', conflicted: true },
    { field: 'cost_centre', base: 'C1', cloud: 'C1', premises: 'C9', conflicted: false },
  ]);
  expect(port.list({ limit: 10 }).map((e) => [e.id, e.state, e.status])).toEqual([[item.id, 'conflict-waiting', 'pending']]);

  expect(refusal(() => port.resolve('nope', { name: 'cloud' }))).toMatchObject({ status: 404, code: 'writeback_unknown' });
  expect(refusal(() => port.resolve(item.id, { colour: 'cloud' }))).toMatchObject({ status: 400, code: 'writeback_bad_field', message: expect.stringContaining('colour') as unknown });
  expect(refusal(() => port.resolve(item.id, {}))).toMatchObject({ status: 400, code: 'writeback_no_choice' });
  expect(refusal(() => port.confirm(item.id, true))).toMatchObject({ status: 409, code: 'writeback_not_unknown' });

  // The person keeps the premises cost centre and types the name; the route runs as the dashboard's caller.
  const answer = runAsActor('session:operator', () => port.resolve(item.id, { name: { value: 'Rent (agreed)' }, cost_centre: 'premises' }));
  expect(answer.message).toContain('next write-back pass');
  expect(port.conflicts()[0]!.decisionPending).toBe(true);
  expect(port.list({ limit: 10 })[0]!.decisionPending).toBe('resolve');
  await pass(applier, client);
  await pass(applier, client);

  expect(await db.query('SELECT item_id, acc_id, name, cost_centre FROM wb_stage')).toEqual([[item.id, 'A1', 'Rent (agreed)', 'C9']]);
  expect(port.conflicts()).toEqual([]);
  expect(port.list({ limit: 10 })[0]).toMatchObject({ state: 'applied', status: 'applied', resolution: 'manual: name=custom, cost_centre=premises', decisionPending: null, reported: true });
  expect(audits.filter((a) => a.event === 'writeback-resolved')).toEqual([{ event: 'writeback-resolved', subject: item.id, actor: 'session:operator' }]);
  expect(refusal(() => port.resolve(item.id, { name: 'cloud' }))).toMatchObject({ status: 409, code: 'writeback_not_waiting' });

  // An unknown outcome: the intent was recorded and the agent died before the outcome.
  const unknown = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl-auto', key: { id: 'B2' }, data: { id: 'B2', name: 'Fuel', cost_centre: 'C4' } });
  await applier.fetch(client);
  state.recordIntent(unknown.id);
  expect(applier.recoverInterrupted()).toBe(1);
  expect(port.list({ state: 'outcome-unknown', limit: 10 }).map((e) => e.id)).toEqual([unknown.id]);
  await pass(applier, client);
  expect(await db.query(`SELECT COUNT(*) FROM wb_stage WHERE item_id = '${unknown.id}'`)).toEqual([['0']]);
  expect(refusal(() => port.resolve(unknown.id, { name: 'cloud' }))).toMatchObject({ status: 409, code: 'writeback_not_waiting' });
  runAsActor('token:admin', () => port.confirm(unknown.id, false));
  await pass(applier, client);
  await pass(applier, client);
  expect(await db.query(`SELECT acc_id, name FROM wb_stage WHERE item_id = '${unknown.id}'`)).toEqual([['B2', 'Fuel']]);
  expect(port.list({ limit: 10 }).find((e) => e.id === unknown.id)).toMatchObject({ state: 'applied', status: 'applied' });
  expect(audits.filter((a) => a.event === 'writeback-resolved' && a.subject === unknown.id).map((a) => a.actor)).toEqual(['token:admin']);
  const last = new Map((await t.admin.writebackResults(agentId)).map((r) => [r.id, r.status]));
  expect([last.get(item.id), last.get(unknown.id)]).toEqual(['applied', 'applied']);
  state.close();
  await client.close();
}, 60_000);
