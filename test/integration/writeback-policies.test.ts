/**
 * Write-back end to end against the sandbox on each database: every policy with both sides changing
 * the same field and different fields, a manual conflict resolved per field through the CLI code
 * path, a wrongly signed item refused, and echo recognition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WritebackResult } from '../../agents/api/writeback.ts';
import { writebackCommand } from '../../agents/cli/commands/writeback.ts';
import { keyJsonOf } from '../../agents/writeback/writeback-applier.ts';
import { startTestSandbox, type TestSandbox } from '../../sandbox/sandbox-test-kit.ts';
import { createMariaDbDatabase, createPostgresDatabase, createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { accountVersion, enrolledClient, makeApplier, pass, writebackConfig, type Dialect } from '../helpers/writeback-kit.ts';

const POLICIES = ['cloud-wins', 'premises-wins', 'newest', 'merge', 'manual'] as const;
const COLUMNS = { id: 'acc_id', name: 'name', cost_centre: 'cost_centre' };
const silentIo = { out: () => undefined, err: () => undefined, interactive: false };

const DATABASES: [Dialect, (label: string) => Promise<ThrowawayDatabase>][] = [
  ['postgresql', createPostgresDatabase],
  ['mariadb', createMariaDbDatabase],
  ['sqlite', (label) => Promise.resolve(createSqliteFile(label))],
];

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => t.cleanup());

describe.each(DATABASES)('write-back on %s', (dialect, create) => {
  let db: ThrowawayDatabase;
  beforeAll(async () => {
    db = await create('wbpol');
    await db.exec(`CREATE TABLE accounts (id VARCHAR(40) PRIMARY KEY, name VARCHAR(100), cost_centre VARCHAR(40), updated_at VARCHAR(40));
      CREATE TABLE wb_stage (item_id VARCHAR(64) NOT NULL UNIQUE, acc_id VARCHAR(40), name VARCHAR(100), cost_centre VARCHAR(40));`);
  });
  afterAll(async () => db.drop());

  it('applies every policy, same and different fields changed on both sides, and a person resolves per field', async () => {
    const { client, agentId, cloudKey } = await enrolledClient(t);
    const targets = POLICIES.map((policy) => ({
      name: `t-${policy}`,
      type: 'odbc',
      source: 'erp',
      table: 'wb_stage',
      idColumn: 'item_id',
      columns: COLUMNS,
      readBack: { source: 'erp', stream: 'accounts', key: ['id'] },
      policy,
      newestColumn: 'updated_at',
      merge: { name: 'premises' },
    }));
    const config = writebackConfig(dialect, db.connectionString, targets);
    const { applier, state, audits, alerts, dataDir } = makeApplier(config, cloudKey);
    const ids: Record<string, string> = {};
    for (const policy of POLICIES) {
      for (const kind of ['same', 'diff'] as const) {
        const id = `${policy}-${kind}`;
        const row = { id, name: 'A', cost_centre: 'C1', updated_at: '2020-01-01T00:00:00Z' };
        await db.exec(`INSERT INTO accounts VALUES ('${id}', 'A', 'C1', '2020-01-01T00:00:00Z')`);
        const premisesAt = policy === 'newest' ? (kind === 'same' ? '2100-01-01T00:00:00Z' : '2000-01-01T00:00:00Z') : '2020-01-02T00:00:00Z';
        const change = kind === 'same' ? `name = 'P'` : `cost_centre = 'P2'`;
        await db.exec(`UPDATE accounts SET ${change}, updated_at = '${premisesAt}' WHERE id = '${id}'`);
        const item = await t.admin.createWriteback({
          agentId, entity: 'store-7', target: `t-${policy}`, key: { id },
          base: { stream: 'accounts', version: accountVersion(row), data: row },
          data: { id, name: 'CLOUD', cost_centre: 'C1' },
        });
        ids[id] = item.id;
      }
    }
    await db.exec(`INSERT INTO accounts VALUES ('clean', 'A', 'C1', 'x')`);
    const cleanRow = { id: 'clean', name: 'A', cost_centre: 'C1', updated_at: 'x' };
    ids.clean = (await t.admin.createWriteback({
      agentId, entity: 'store-7', target: 't-manual', key: { id: 'clean' },
      base: { stream: 'accounts', version: accountVersion(cleanRow), data: cleanRow }, data: { id: 'clean', name: 'B', cost_centre: 'C1' },
    })).id;
    ids.created = (await t.admin.createWriteback({
      agentId, entity: 'store-7', target: 't-manual', key: { id: 'created' }, data: { id: 'created', name: 'N', cost_centre: 'C9' },
    })).id;
    ids.forged = (await t.admin.createWriteback({
      agentId, entity: 'store-7', target: 't-cloud-wins', key: { id: 'forged' }, data: { id: 'forged', name: 'X', cost_centre: 'X' }, signature: 'invalid',
    })).id;

    await pass(applier, client);

    const status = async () => {
      const results = await t.admin.writebackResults(agentId);
      const last = new Map<string, WritebackResult>();
      for (const r of results) last.set(r.id, r);
      return Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, last.get(id)?.status]));
    };
    const stage = async (): Promise<Record<string, string>> =>
      Object.fromEntries<string>(
        (await db.query('SELECT item_id, acc_id, name, cost_centre FROM wb_stage')).map((r) => [r[1] ?? '', `${r[2]}|${r[3]}|${r[0] === ids[r[1]!] ? 'id-ok' : 'id-wrong'}`]),
      );
    expect(await status()).toEqual({
      'cloud-wins-same': 'applied', 'cloud-wins-diff': 'applied',
      'premises-wins-same': 'conflict', 'premises-wins-diff': 'conflict',
      'newest-same': 'conflict', 'newest-diff': 'applied',
      'merge-same': 'applied', 'merge-diff': 'applied',
      'manual-same': 'pending', 'manual-diff': 'pending',
      clean: 'applied', created: 'applied', forged: 'failed',
    });
    expect(alerts).toContain('writeback_bad_signature');
    expect(state.conflicts().map((c) => c.id).sort()).toEqual([ids['manual-same'], ids['manual-diff']].sort());
    expect(state.conflicts().find((c) => c.id === ids['manual-same'])!.fields).toEqual(['name']);

    // A person resolves: per field (one side's value, a value typed in) for one, "all cloud" for the
    // other (the CLI's code path). A field chosen twice or a field the item lacks is refused.
    expect(() => writebackCommand('resolve', { dataDir, id: ids['manual-same']!, field: ['name=premises'], set: ['name=X'] }, silentIo)).toThrow(/chosen twice/);
    expect(() => writebackCommand('resolve', { dataDir, id: ids['manual-same']!, set: ['nope=X'] }, silentIo)).toThrow(/names no field/);
    expect(writebackCommand('resolve', { dataDir, id: ids['manual-same']!, field: ['name=premises'], set: ['cost_centre=C7 typed'] }, silentIo)).toBe(0);
    expect(writebackCommand('resolve', { dataDir, id: ids['manual-diff']!, all: 'cloud' }, silentIo)).toBe(0);
    await pass(applier, client);

    expect((await status())['manual-same']).toBe('applied');
    expect((await status())['manual-diff']).toBe('applied');
    expect(await stage()).toEqual({
      'cloud-wins-same': 'CLOUD|C1|id-ok', 'cloud-wins-diff': 'CLOUD|C1|id-ok',
      'newest-diff': 'CLOUD|C1|id-ok',
      'merge-same': 'P|C1|id-ok', 'merge-diff': 'CLOUD|P2|id-ok',
      'manual-same': 'P|C7 typed|id-ok', 'manual-diff': 'CLOUD|C1|id-ok',
      clean: 'B|C1|id-ok', created: 'N|C9|id-ok',
    });
    expect(audits.filter((a) => a.event === 'writeback-resolved').map((a) => a.actor)).toEqual(['cli', 'cli']);
    expect(audits.filter((a) => a.event === 'writeback-conflict').length).toBeGreaterThanOrEqual(8);

    // The ERP imports the merged row: capturing it again is an echo, a later premises edit is not.
    const imported = { id: 'merge-diff', name: 'CLOUD', cost_centre: 'P2', updated_at: '2020-01-02T00:00:00Z' };
    expect(applier.isEcho('erp', 'accounts', keyJsonOf({ id: 'merge-diff' }), imported)).toBe(true);
    expect(applier.isEcho('erp', 'accounts', keyJsonOf({ id: 'merge-diff' }), { ...imported, name: 'EDITED' })).toBe(false);

    // Another pass changes nothing: at most once.
    await pass(applier, client);
    expect((await db.query('SELECT COUNT(*) FROM wb_stage'))[0]![0]).toBe('9');
    state.close();
    await client.close();
  }, 120_000);
});
