/**
 * Scenario 5, SQLite's own SQLITE_FULL through the engine: the real Agent (capture loops, the
 * backpressure gate, delivery, status) over a PostgreSQL source, with its outbox capped by
 * `max_page_count` so the "disk" fills while the cloud refuses everything. Capture must block
 * without moving its cursor, the alert must say the disk is full, and once the cloud accepts again
 * the queue drains, capture resumes, the file passes `integrity_check` and every row arrives once.
 * (The size-cap variant runs with a real process in test/e2e/backpressure.test.ts.)
 *
 * Agent.open() builds its outbox without a page limit, so the test hands the composition root an
 * outbox it opened itself, through the constructor Agent.open() uses.
 *
 * This test found a deadlock: once delivery freed pages, capture filled them again and delivery could
 * not even form its next batch (forming one updates rows and indexes: SQLITE_FULL). The outbox now
 * keeps a reserve only delivery may use (agents/outbox/space-reserve.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../../agents/delivery/index.ts';
import { Agent, type AgentOptions } from '../../agents/engine/agent.ts';
import { dataDirLayout, ensureDataDir, type DataDirLayout } from '../../agents/engine/data-dir.ts';
import { loadConfigFile } from '../../agents/engine/load-config.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { createSilentLogger, type Logger } from '../../agents/telemetry/logger.ts';
import { KeytarSecretStore, SecretRefs, type SecretStore } from '../../agents/vault/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { waitFor, writeAgentConfig } from '../helpers/agent-process.ts';
import { createPostgresDatabase, type ThrowawayDatabase } from '../helpers/databases.ts';
import type { SourceRow } from '../helpers/reconcile.ts';
import { assertExactlyOnce, printReport, reconcileWithCloud } from './kit/exactly-once.ts';
import { serviceMissing } from '../helpers/services.ts';

type AgentConstructor = new (
  options: AgentOptions,
  outbox: Outbox,
  logger: Logger,
  secrets: SecretStore,
  layout: DataDirLayout,
) => Agent;

const SOURCE = 'ledger-db';
/**
 * Pages the outbox may grow by beyond its empty, enrolled self (~440 KB): more than the per-key memory
 * of all 1,600 rows needs for good (about 300 KB with its index), less than that plus the queue.
 */
const HEADROOM_PAGES = 110;

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let ledger: ThrowawayDatabase;
let secrets: KeytarSecretStore;
let agent: Agent | undefined;
let outbox: Outbox | undefined;
let basePages = 0;
let queuedWhenFull = 0;

async function insertRows(from: number, count: number): Promise<void> {
  await ledger.exec(
    `INSERT INTO sales (id, amount, note)
     SELECT g, (g * 1.25)::numeric(12,2), 'sale ' || g || ' ' || repeat('x', 60) FROM generate_series(${from}, ${from + count - 1}) g;`,
  );
}

async function ledgerRows(): Promise<SourceRow[]> {
  const rows = await ledger.query('SELECT id::text, amount::text, note, row_version::text FROM sales ORDER BY id');
  return rows.map(([id, amount, note, rowVersion]) => ({
    stream: 'sales',
    key: { id: id! },
    data: { id: id!, amount: amount!, note: note!, row_version: rowVersion! },
  }));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-disk-full-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'cloud.sqlite') });
  admin = new SandboxAdmin(sandbox.url);
  ledger = await createPostgresDatabase('faults_disk_full');
  await ledger.exec(`
    CREATE SEQUENCE sales_versions;
    CREATE TABLE sales (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL, note text NOT NULL,
      row_version bigint NOT NULL DEFAULT nextval('sales_versions'));`);
  await insertRows(1, 1500);
  secrets = new KeytarSecretStore({ namespace: `faults-disk-full-${randomUUID()}` });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  for (const ref of Object.values(SecretRefs)) await secrets?.delete(ref);
  await ledger?.drop();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(serviceMissing('postgresql'))('SQLITE_FULL in the running engine', () => {
  it('blocks capture with the cursor in place, raises the alert and keeps the file sound', async () => {
    const configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
      agent: { name: 'Disk full', dataDir: 'data' },
      cloud: {
        url: sandbox.url,
        entity: 'store-1',
        batchMaxRecords: 100,
        retryBaseMs: 100,
        retryMaxMs: 400,
        heartbeatIntervalSecs: 3600,
      },
      sources: [
        {
          type: 'odbc',
          name: SOURCE,
          dialect: 'postgresql',
          connectionString: ledger.connectionString,
          intervalSecs: 1,
          streams: [{ name: 'sales', table: 'sales', keyColumns: ['id'], cursorColumn: 'row_version', pageRows: 50 }],
        },
      ],
    });
    const loaded = loadConfigFile(configFile);
    const layout = dataDirLayout(loaded.dataDir);
    ensureDataDir(layout);

    // Enroll into a fresh outbox, then measure it: the cap is that size plus a little headroom.
    const open = (maxPageCount?: number) =>
      Outbox.open({ path: layout.outbox, maxBytes: 1024 ** 3, synchronous: 'FULL', clock: systemClock, maxPageCount });
    const first = open();
    const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
    await enrollAgent({
      url: sandbox.url,
      enrollmentKey: key,
      name: 'disk-full',
      hostname: 'rig',
      version: '1.4.0',
      secrets,
      outbox: first,
    });
    first.close();
    const probe = new Database(layout.outbox, { readonly: true });
    basePages = probe.pragma('page_count', { simple: true }) as number;
    probe.close();
    const capped = open(basePages + HEADROOM_PAGES);
    outbox = capped;

    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', status: 503, times: 1_000_000 });
    agent = new (Agent as unknown as AgentConstructor)(
      { loaded, secretStore: secrets, controlServer: false },
      capped,
      createSilentLogger(),
      secrets,
      layout,
    );
    await agent.start();
    const running = agent;

    await waitFor('capture to pause on a full disk', () => running.status().queue.capturePaused, { timeoutMs: 30_000 });
    const paused = running.status();
    const alert = paused.alerts.find((a) => a.code === 'outbox_full');
    expect(alert?.severity).toBe('critical');
    expect(alert?.message).toMatch(/disk holding the outbox .* is full/);
    expect(alert?.message).toMatch(/nothing (is|was) dropped/);
    queuedWhenFull = paused.queue.depth;
    expect(queuedWhenFull).toBeGreaterThan(0);
    expect(queuedWhenFull).toBeLessThan(1500);

    // While blocked: new rows are not read and the cursor does not move.
    const cursor = capped.getCheckpoint(SOURCE, 'sales');
    await insertRows(1501, 100);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(capped.getCheckpoint(SOURCE, 'sales')).toEqual(cursor);
    expect(running.status().queue.depth).toBe(queuedWhenFull);
    expect(running.status().queue.capturePaused).toBe(true);
    expect(capped.integrityCheck()).toBe('ok');
    process.stdout.write(
      `[faults] ${JSON.stringify({ scenario: 'sqlite-full:blocked', maxPageCount: basePages + HEADROOM_PAGES, queuedWhenFull, integrityCheck: 'ok' })}\n`,
    );
  }, 60_000);

  // Delivery has a reserve capture may not use (agents/outbox/space-reserve.ts): it can always
  // form the batch that frees space, so a full disk drains instead of deadlocking.
  it(
    'drains, resumes capture and delivers every row once when the cloud accepts again',
    async () => {
      await drainAndReconcile(agent!, outbox!);
    },
    60_000,
  );
});

/** Clears the cloud's refusal and waits until everything is delivered, or throws when delivery is stuck. */
async function drainAndReconcile(running: Agent, capped: Outbox): Promise<void> {
  const freedAt = Date.now();
  await admin.clearFaults();
  // Done, or stuck: the cloud accepts, yet for 5 s nothing leaves the queue.
  let last = { depth: -1, since: Date.now() };
  await waitFor(
    'every ledger row in the cloud',
    async () => {
      const status = running.status();
      if (status.queue.depth !== last.depth) last = { depth: status.queue.depth, since: Date.now() };
      if (status.queue.depth > 0 && Date.now() - last.since > 5_000) {
        throw new Error(
          `Delivery is stuck: ${status.queue.depth} changes queued for 5 s while the cloud accepts, capture paused: ${status.queue.capturePaused}.`,
        );
      }
      return ((await admin.counts()).streams.find((s) => s.stream === 'sales')?.records ?? 0) >= 1600;
    },
    {
      timeoutMs: 40_000,
      describe: async () =>
        `queue ${JSON.stringify(running.status().queue)}; cloud ${JSON.stringify((await admin.counts()).streams)}; alerts ${JSON.stringify(running.status().alerts.map((a) => a.code))}`,
    },
  );
  await waitFor('an empty queue and the alert gone', () => {
    const s = running.status();
    return s.queue.depth === 0 && !s.queue.capturePaused && !s.alerts.some((a) => a.code === 'outbox_full');
  });
  const resumedMs = Date.now() - freedAt;
  expect(capped.integrityCheck()).toBe('ok');

  const report = await reconcileWithCloud('sqlite-full', admin, SOURCE, await ledgerRows());
  printReport(report, { maxPageCount: basePages + HEADROOM_PAGES, queuedWhenFull, drainedAndResumedMs: resumedMs });
  assertExactlyOnce(report);
}
