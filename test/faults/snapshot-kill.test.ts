/**
 * Snapshot mode under kill -9 (a PostgreSQL table with no change-tracking column, read by a real
 * agent process). The manifest of every row's key and hash is kept as checkpoint parts beside the
 * checkpoint (api/checkpoint-parts.ts). The agent kills itself right after a commit in the middle of
 * the first round, and again right after the commit of a later round that found changes. After each
 * kill the outbox must hold exactly the parts its committed checkpoint names, the restarted agent
 * must go on from there, and the cloud must end with exactly the table: one accepted record per row
 * of the first round, one more per change, nothing doubled. The round after the changes must keep
 * the first round's parts rather than write the manifest again.
 *
 * @guarantee 2 snapshot mode killed mid-round and after a round of changes: the manifest's parts on disk are exactly those its committed checkpoint names, and the cloud ends with exactly the table
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../agents/control/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { createPostgresDatabase, type ThrowawayDatabase } from '../helpers/databases.ts';
import { serviceMissing } from '../helpers/services.ts';

const ROWS = 40_000;
const PAGE_ROWS = 500;
const SOURCE = 'ledger';
const STREAM = 'items';
const CHANGES = { updated: 40, deleted: 20, inserted: 20 };
const WAIT_MS = 120_000;

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let ledger: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | null = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-snapshot-kill-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-snapshot-kill-cloud-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  ledger = await createPostgresDatabase('snapkill');
  await ledger.exec(`
    CREATE TABLE items (id bigint PRIMARY KEY, amount numeric(14,2) NOT NULL, note text);
    INSERT INTO items SELECT i, ((i::bigint * 7919) % 1000000 - 500000) / 100.0, CASE WHEN i % 7 = 0 THEN NULL ELSE md5(i::text) END
      FROM generate_series(1, ${ROWS}) AS i;
    ANALYZE items;`);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Snapshot kill', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'snapkill', batchMaxRecords: 2000, batchMaxAgeMs: 0, heartbeatIntervalSecs: 3600 },
    sources: [
      {
        type: 'odbc',
        name: SOURCE,
        dialect: 'postgresql',
        connectionString: ledger.connectionString,
        timeZone: 'UTC',
        intervalSecs: 1,
        streams: [{ name: STREAM, table: 'items', keyColumns: ['id'], mode: 'snapshot', pageRows: PAGE_ROWS }],
      },
    ],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['snapkill'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await ledger?.drop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

interface StoredState {
  /** Rows the committed checkpoint's manifest holds, and whether a round was under way. */
  rows: number;
  inRound: boolean;
  /** The stream's parts on disk: id → rows. */
  parts: Map<string, number>;
}

/** The committed checkpoint and the parts on disk, read from the outbox file while no agent runs; both must agree. */
function storedState(): StoredState {
  const outbox = new Database(path.join(dir, 'data', 'outbox.db'), { readonly: true });
  try {
    const text = outbox.prepare('SELECT value FROM checkpoints WHERE source = ? AND stream = ?').pluck().get(SOURCE, STREAM) as string;
    const checkpoint = JSON.parse(text) as { rows: number; parts: string[]; views: number[]; round: unknown };
    const stored = outbox
      .prepare('SELECT id, length(data) / 8 AS rows FROM checkpoint_parts WHERE source = ? AND stream = ?')
      .all(SOURCE, STREAM) as Array<{ id: string; rows: number }>;
    const parts = new Map(stored.map((p) => [p.id, p.rows]));
    // Exactly the parts the checkpoint names, and its views fit them and add up to its rows.
    expect([...parts.keys()].sort()).toEqual([...checkpoint.parts].sort());
    let rows = 0;
    for (let v = 0; v < checkpoint.views.length; v += 3) {
      const [at, first, count] = checkpoint.views.slice(v, v + 3) as [number, number, number];
      expect(first + count).toBeLessThanOrEqual(parts.get(checkpoint.parts[at]!)!);
      rows += count;
    }
    expect(rows).toBe(checkpoint.rows);
    return { rows, inRound: checkpoint.round !== null, parts };
  } finally {
    outbox.close();
  }
}

async function agentStatus() {
  const client = ControlClient.fromDataDir(path.join(dir, 'data'), { timeoutMs: 2000 });
  return client === null ? null : client.status().catch(() => null);
}

/** The cloud's latest upserted row per key (deleted keys left out), and its accepted records in all. */
function cloudState(): { rows: Map<string, string>; accepted: number } {
  const stored = new Database(path.join(cloudDir, 'sandbox.db'), { readonly: true });
  try {
    const latest = stored
      .prepare(
        `SELECT l.key_json AS key, h.data_json AS data FROM latest l JOIN history h ON h.id = l.history_id
         WHERE l.source = ? AND l.stream = ? AND h.op = 'upsert'`,
      )
      .all(SOURCE, STREAM) as Array<{ key: string; data: string }>;
    const accepted = stored
      .prepare("SELECT count(*) FROM history WHERE source = ? AND stream = ? AND outcome = 'accepted'")
      .pluck()
      .get(SOURCE, STREAM) as number;
    const rows = new Map(
      latest.map((r) => {
        const data = JSON.parse(r.data) as { amount: string; note: string | null };
        return [(JSON.parse(r.key) as { id: string }).id, `${data.amount}|${data.note}`];
      }),
    );
    return { rows, accepted };
  } finally {
    stored.close();
  }
}

async function tableState(): Promise<Map<string, string>> {
  const rows = (await ledger.query('SELECT id::text, amount::text, note FROM items')) as Array<[string, string, string | null]>;
  return new Map(rows.map(([id, amount, note]) => [id, `${amount}|${note}`]));
}

async function untilDelivered(expectedRows: number): Promise<void> {
  await waitFor(
    `${expectedRows} rows in the cloud and an empty queue`,
    async () => {
      if (cloudState().rows.size !== expectedRows) return false;
      const status = await agentStatus();
      return status !== null && status.queue.depth === 0 && status.sources[0]?.state === 'ok';
    },
    { timeoutMs: WAIT_MS, describe: () => agent!.output().slice(-2000) },
  );
}

async function killedAfterCommit(commit: number): Promise<void> {
  agent = startAgentProcess(configFile, { TYA_FAULT_KILL_AT: `capture.after-commit:${commit}` });
  const exit = await Promise.race([agent.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), WAIT_MS))]);
  expect(exit?.signal, agent.output().slice(-2000)).toBe('SIGKILL');
  agent = null;
}

describe.skipIf(serviceMissing('postgresql'))(`snapshot mode on ${ROWS.toLocaleString('en')} rows under kill -9`, () => {
  it(
    'keeps exactly the parts its checkpoint names at every kill, and the cloud ends with exactly the table',
    async () => {
      // 1. Killed right after the third commit of the first round.
      await killedAfterCommit(3);
      const midRound = storedState();
      expect(midRound.inRound).toBe(true);
      expect(midRound.rows).toBeGreaterThan(0);
      expect(midRound.rows).toBeLessThan(ROWS);

      // 2. Restarted: the round goes on from there and the cloud gets every row once.
      agent = startAgentProcess(configFile);
      await untilDelivered(ROWS);
      await agent.kill('SIGTERM');
      agent = null;
      const afterFirst = storedState();
      expect(afterFirst.rows).toBe(ROWS);
      expect(cloudState().accepted).toBe(ROWS);

      // 3. Changes spread over the table; killed right after the commit of the round that finds them.
      await ledger.exec(`
        UPDATE items SET amount = amount + 1 WHERE id % ${ROWS / CHANGES.updated} = 17;
        DELETE FROM items WHERE id % ${ROWS / CHANGES.deleted} = 333;
        INSERT INTO items SELECT ${ROWS} + i, i, 'new' FROM generate_series(1, ${CHANGES.inserted}) AS i;`);
      await killedAfterCommit(1);
      storedState();

      // 4. Restarted: whatever the killed run did not deliver goes now; the next rounds find nothing.
      agent = startAgentProcess(configFile);
      const expectedRows = ROWS - CHANGES.deleted + CHANGES.inserted;
      await untilDelivered(expectedRows);
      await agent.kill('SIGTERM');
      agent = null;
      const final = storedState();
      expect(final.rows).toBe(expectedRows);
      const cloud = cloudState();
      expect(cloud.rows).toEqual(await tableState());
      expect(cloud.accepted).toBe(ROWS + CHANGES.updated + CHANGES.deleted + CHANGES.inserted);

      // The rounds after the first kept its parts: most of the manifest was never written again.
      const keptRows = [...final.parts].filter(([id]) => afterFirst.parts.has(id)).reduce((sum, [, rows]) => sum + rows, 0);
      const newRows = [...final.parts].filter(([id]) => !afterFirst.parts.has(id)).reduce((sum, [, rows]) => sum + rows, 0);
      process.stdout.write(
        `snapshot kill: mid-round checkpoint at ${midRound.rows} rows in ${midRound.parts.size} parts; ` +
          `after the first round ${afterFirst.parts.size} parts; after the changes ${final.parts.size} parts, ` +
          `${keptRows} rows in parts kept from the first round, ${newRows} in new ones\n`,
      );
      // Each changed or added row once (a leaf's unchanged rows stay references to the old parts).
      expect(newRows).toBeLessThan(ROWS / 100);
    },
    300_000,
  );
});
