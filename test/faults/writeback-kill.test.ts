/**
 * kill -9 during a write-back batch, at the worst points (after the intent, inside the target's
 * transaction or before the rename, after the write and before the outcome): the target's applied
 * ids and the cloud's results agree, nothing is doubled, and the interrupted item is reported
 * `pending` / `outcome_unknown` until a person confirms it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WritebackResult } from '../../agents/api/writeback.ts';
import { writebackCommand } from '../../agents/cli/commands/writeback.ts';
import { startTestSandbox, TestAgent, type TestSandbox } from '../../sandbox/sandbox-test-kit.ts';
import { REPO_ROOT } from '../helpers/agent-process.ts';
import { createMariaDbDatabase, createPostgresDatabase, createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import type { WritebackChildInput } from '../helpers/writeback-child.ts';
import { writebackConfig, type Dialect } from '../helpers/writeback-kit.ts';

const ITEMS = 5;
const silentIo = { out: () => undefined, err: () => undefined, interactive: false };

type Kind = Dialect | 'folder';
const KINDS: Kind[] = ['postgresql', 'mariadb', 'sqlite', 'folder'];
const CASES: [point: string, hit: number, inTarget: boolean][] = [
  ['writeback.after-write', 3, true],
  ['writeback.before-commit', 2, false],
];

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => t.cleanup());

function runChild(input: WritebackChildInput, killAt?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'test/helpers/writeback-child.ts')], {
      env: { ...process.env, TYA_WB_CHILD: JSON.stringify(input), ...(killAt === undefined ? {} : { TYA_FAULT_KILL_AT: killAt }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe.each(KINDS)('kill -9 during write-back into %s', (kind) => {
  let db: ThrowawayDatabase | undefined;
  beforeAll(async () => {
    if (kind === 'folder') return;
    db = kind === 'postgresql' ? await createPostgresDatabase('wbkill') : kind === 'mariadb' ? await createMariaDbDatabase('wbkill') : createSqliteFile('wbkill');
    await db.exec(`CREATE TABLE accounts (id VARCHAR(40) PRIMARY KEY, name VARCHAR(100));`);
  });
  afterAll(async () => db?.drop());

  it.each(CASES)('killed at %s (hit %i): target and cloud agree, nothing doubled', async (point, hit, inTarget) => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const agentId = agent.credentials.agentId;
    const table = `stage_${point.replace(/\W/g, '_')}`;
    const folder = mkdtempSync(join(tmpdir(), 'tya-wb-folder-'));
    if (db !== undefined) await db.exec(`CREATE TABLE ${table} (item_id VARCHAR(64) NOT NULL UNIQUE, acc_id VARCHAR(40), name VARCHAR(100));`);
    const target =
      kind === 'folder'
        ? { name: 'gl', type: 'folder', path: folder, columns: { id: 'acc_id', name: 'name' }, policy: 'cloud-wins' }
        : { name: 'gl', type: 'odbc', source: 'erp', table, idColumn: 'item_id', columns: { id: 'acc_id', name: 'name' },
            readBack: { source: 'erp', stream: 'accounts', key: ['id'] }, policy: 'cloud-wins' };
    const config = writebackConfig(kind === 'folder' ? 'sqlite' : kind, db?.connectionString ?? 'Driver={SQLite3};Database=/nonexistent', [target]);
    const ids: string[] = [];
    for (let i = 1; i <= ITEMS; i++) {
      ids.push((await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: `k${i}` }, data: { id: `k${i}`, name: `n${i}` } })).id);
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'tya-wb-kill-'));
    const input: WritebackChildInput = { url: t.sandbox.url, credentials: agent.credentials, config, cloudKey: (await t.admin.cloudKey()).cloudKey, dataDir };

    const killed = await runChild(input, `${point}:${hit}`);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const clean = await runChild(input);
    expect(clean.code, clean.stderr).toBe(0);

    const inTargetIds = async (): Promise<string[]> =>
      kind === 'folder'
        ? readdirSync(folder).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5))
        : (await db!.query(`SELECT item_id FROM ${table}`)).map((r) => r[0]!);
    const lastResults = async () => {
      const last = new Map<string, WritebackResult>();
      for (const r of await t.admin.writebackResults(agentId)) last.set(r.id, r);
      return last;
    };
    const interrupted = ids[hit - 1]!;
    let results = await lastResults();
    expect(results.get(interrupted)).toMatchObject({ status: 'pending', resolution: 'outcome_unknown' });
    const applied = ids.filter((id) => results.get(id)?.status === 'applied');
    expect(applied.length).toBe(ITEMS - 1);
    const present = await inTargetIds();
    expect(present.length).toBe(new Set(present).size);
    expect(present.sort()).toEqual((inTarget ? [...applied, interrupted] : applied).sort());

    // A person checks the target and confirms; the next pass reports (or writes) it, once.
    expect(writebackCommand('confirm', { dataDir, id: interrupted, ...(inTarget ? { applied: true } : { notApplied: true }) }, silentIo)).toBe(0);
    expect((await runChild(input)).code).toBe(0);
    results = await lastResults();
    const final = await inTargetIds();
    expect(final.length).toBe(ITEMS);
    expect(final.sort()).toEqual(ids.filter((id) => results.get(id)?.status === 'applied').sort());
  }, 120_000);
});
