/**
 * Reference lists (issue 13 item 3): `tya-agent reference refresh` fetches every standard list per
 * entity with an ETag, a second refresh costs 304s, each entity gets its own list where the cloud
 * keeps one, and with the sandbox stopped the cache still answers (and a refresh says it failed
 * without losing it); when the sandbox returns, the refresh works again.
 * Real sandbox, real `tya-agent` processes, real SQLite cache, real Secret Service keychain.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { ReferenceData, ReferenceStore, referenceDbPath } from '../../agents/reference/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, writeAgentConfig } from '../helpers/agent-process.ts';

interface Outcome {
  entity: string;
  name: string;
  status: 'fetched' | 'not-modified' | 'failed';
  error?: string;
  list: { rows: number; etag: string | null; fetchedAt: string; checkedAt: string; lastError: { message: string } | null } | null;
}

let dir: string;
let sandbox: Sandbox;
let port: number;
let configFile: string;
const dataDir = (): string => path.join(dir, 'data');

const startAt = (p: number): Promise<Sandbox> => startSandbox({ port: p, dbPath: path.join(dir, 'sandbox.db') });

async function refresh(...args: string[]): Promise<{ code: number | null; outcomes: Outcome[]; stderr: string }> {
  const r = await runCli(['reference', 'refresh', ...args, '--json', '--config', configFile]);
  return { code: r.code, outcomes: r.stdout.trim() === '' ? [] : (JSON.parse(r.stdout) as Outcome[]), stderr: r.stderr };
}

const find = (outcomes: Outcome[], entity: string, name: string): Outcome => {
  const o = outcomes.find((x) => x.entity === entity && x.name === name);
  if (o === undefined) throw new Error(`no outcome for ${entity} ${name} in ${JSON.stringify(outcomes)}`);
  return o;
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-reference-'));
  sandbox = await startAt(0);
  port = Number(new URL(sandbox.url).port);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Reference lists', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1' },
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        entity: 'store-2',
        dialect: 'sqlite',
        connectionString: `Driver=SQLite3;Database=${path.join(dir, 'erp.db')}`,
        streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], cursorColumn: 'id' }],
      },
    ],
  });
  const key = (await new SandboxAdmin(sandbox.url).createEnrollmentKey({ entities: ['store-1', 'store-2'] })).key;
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reference lists through the CLI against the sandbox', () => {
  let first: Outcome[];

  it('fetches every standard list for cloud.entity and the source entity, each with an ETag, amounts as strings', async () => {
    const r = await refresh();
    expect(r.code, r.stderr).toBe(0);
    first = r.outcomes;
    expect(first).toHaveLength(12);
    for (const o of first) {
      expect(o.status, `${o.entity} ${o.name}`).toBe('fetched');
      expect(o.list?.etag).toMatch(/^"[\w-]+"$/);
      expect(o.list!.rows).toBeGreaterThan(0);
    }
    // The company's lists are the agent's user's only, like the outbox.
    if (process.platform !== 'win32') expect(statSync(referenceDbPath(dataDir())).mode & 0o077).toBe(0);
    const data = new ReferenceData({ store: new ReferenceStore(referenceDbPath(dataDir())), clock: systemClock });
    try {
      expect(data.lookup('store-1', 'tax-codes', 'DE-19')).toEqual({ code: 'DE-19', country: 'DE', rate: '19.00', name: 'Germany standard VAT' });
      expect(data.lookup('store-2', 'currencies', 'KWD')?.minorUnits).toBe('3');
      expect(data.lookup('store-1', 'currencies', 'XXX')).toBeUndefined();
    } finally {
      data.close();
    }
  });

  it('gives each entity its own list where the cloud keeps one, and the shared list elsewhere', () => {
    const own1 = find(first, 'store-1', 'cost-centres');
    const own2 = find(first, 'store-2', 'cost-centres');
    expect([own1.list!.rows, own2.list!.rows]).toEqual([2, 3]);
    expect(own1.list!.etag).not.toBe(own2.list!.etag);
    // store-1 keeps its own periods, store-2 uses the shared ones.
    expect(find(first, 'store-1', 'periods').list!.rows).toBe(2);
    expect(find(first, 'store-2', 'periods').list!.rows).toBe(3);
    expect(find(first, 'store-1', 'currencies').list!.etag).toBe(find(first, 'store-2', 'currencies').list!.etag);
    const data = new ReferenceData({ store: new ReferenceStore(referenceDbPath(dataDir())), clock: systemClock });
    try {
      expect(data.lookup('store-1', 'cost-centres', 'S1-TILL')?.name).toBe('Store 1 tills');
      expect(data.lookup('store-2', 'cost-centres', 'S1-TILL')).toBeUndefined();
      expect(data.lookup('store-2', 'cost-centres', 'S2-WH')?.name).toBe('Store 2 warehouse');
    } finally {
      data.close();
    }
  });

  it('revalidates with If-None-Match: the second refresh is all 304s, ETags kept, checkedAt moved', async () => {
    const before = (await new SandboxAdmin(sandbox.url).counts()).requests['GET /v1/reference/{name}'];
    expect(before).toEqual({ '200': 12 });
    const r = await refresh();
    expect(r.code, r.stderr).toBe(0);
    for (const o of r.outcomes) {
      const was = find(first, o.entity, o.name).list!;
      expect(o.status, `${o.entity} ${o.name}`).toBe('not-modified');
      expect(o.list!.etag).toBe(was.etag);
      expect(o.list!.fetchedAt).toBe(was.fetchedAt);
      expect(Date.parse(o.list!.checkedAt)).toBeGreaterThan(Date.parse(was.checkedAt));
    }
    expect((await new SandboxAdmin(sandbox.url).counts()).requests['GET /v1/reference/{name}']).toEqual({ '200': 12, '304': 12 });
  });

  it('with the sandbox stopped: the cache still answers, a refresh fails naming why and keeps the copy', async () => {
    await sandbox.close();
    const data = new ReferenceData({ store: new ReferenceStore(referenceDbPath(dataDir())), clock: systemClock });
    try {
      expect(data.get('store-2', 'cost-centres')?.items.map((i) => i.code)).toEqual(['S2-TILL', 'S2-WH', 'S2-OFF']);
      expect(data.lookup('store-1', 'periods', '2026-11')?.status).toBe('closed');
    } finally {
      data.close();
    }
    const r = await refresh('currencies', '--entity', 'store-1');
    expect(r.code, r.stderr).toBe(7);
    expect(r.outcomes).toHaveLength(1);
    const [o] = r.outcomes;
    expect(o!.status).toBe('failed');
    expect(o!.error).toMatch(/Cannot reach the cloud at http:\/\/127\.0\.0\.1:\d+: connection refused/);
    expect(o!.list?.rows).toBe(find(first, 'store-1', 'currencies').list!.rows);
    expect(o!.list?.etag).toBe(find(first, 'store-1', 'currencies').list!.etag);
    const listed = await runCli(['reference', 'list', '--json', '--config', configFile]);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as (Outcome['list'] & { entity: string; name: string })[];
    expect(rows).toHaveLength(12);
    expect(rows.find((x) => x.entity === 'store-1' && x.name === 'currencies')?.lastError?.message).toBe(o!.error);
    const text = await runCli(['reference', 'list', '--config', configFile]);
    expect(text.stdout).toMatch(/store-1\s+currencies\s+25 rows .*last refresh failed/);
  });

  it('with the sandbox back: the refresh works again and the failure is cleared', async () => {
    sandbox = await startAt(port);
    const r = await refresh('currencies', '--entity', 'store-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.outcomes.map((o) => [o.status, o.list?.etag, o.list?.lastError])).toEqual([
      ['not-modified', find(first, 'store-1', 'currencies').list!.etag, null],
    ]);
  });

  it('refuses an entity the config does not name', async () => {
    const r = await runCli(['reference', 'refresh', '--entity', 'store-9', '--config', configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"store-9" is not an entity of this config (it has: store-1, store-2)');
  });
});
