/**
 * Syncs fixture databases completely with a real agent process: one ODBC source per database, one
 * stream per table (see streamForTable), `tya-agent enroll` then `tya-agent sync` against an
 * in-process sandbox, and the tables compared with what the cloud stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentConfigInput } from '../../agents/api/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import type { StoredRecord } from '../../sandbox/admin-schemas.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, writeAgentConfig, type CliResult } from './agent-process.ts';
import {
  cloudDigest,
  databaseDigest,
  describeFixtureTables,
  streamForTable,
  type FixtureTable,
  type TableDigest,
} from './fixture-checksum.ts';
import type { FixtureDatabase } from './fixture-databases.ts';

export interface FixtureSyncOptions {
  pageRows: number;
  batchMaxRecords: number;
  timeoutSecs: number;
}

export interface TableComparison {
  source: string;
  table: string;
  database: TableDigest;
  cloud: TableDigest;
  /** Records the cloud stored for the stream (all versions); equals the row count when nothing doubled. */
  storedRecords: number;
  /** Column sets in cloud records that differ from the table's columns. */
  badColumns: string[];
}

export interface FixtureSync {
  readonly admin: SandboxAdmin;
  readonly sync: CliResult;
  readonly tables: Map<string, FixtureTable[]>;
  /** Latest stored record per key of one stream, in stream order. */
  latest(source: string, stream: string): Promise<StoredRecord[]>;
  compare(fixture: FixtureDatabase): Promise<TableComparison[]>;
  close(): Promise<void>;
}

export async function syncFixtures(
  fixtures: readonly FixtureDatabase[],
  options: FixtureSyncOptions,
): Promise<FixtureSync> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-fixtures-'));
  const cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-fixtures-cloud-'));
  let sandbox: Sandbox | null = null;
  const close = async () => {
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cloudDir, { recursive: true, force: true });
  };
  try {
    sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
    const admin = new SandboxAdmin(sandbox.url);
    const tables = new Map<string, FixtureTable[]>();
    const sources: NonNullable<AgentConfigInput['sources']> = [];
    for (const fixture of fixtures) {
      const described = await describeFixtureTables(fixture);
      tables.set(fixture.label, described);
      const streams = described.map((table) => {
        const { stream, note } = streamForTable(table, options.pageRows);
        if (table.primaryKey.length === 0) process.stdout.write(`${fixture.label}: ${note}\n`);
        return stream;
      });
      sources.push({
        type: 'odbc',
        name: fixture.label,
        dialect: fixture.dialect,
        connectionString: fixture.db.connectionString,
        timeZone: 'UTC',
        intervalSecs: 1,
        streams,
      });
    }
    const configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
      agent: { name: 'Fixture sync', dataDir: 'data' },
      cloud: {
        url: sandbox.url,
        entity: 'fixtures',
        batchMaxRecords: options.batchMaxRecords,
        batchMaxAgeMs: 0,
        heartbeatIntervalSecs: 3600,
      },
      sources,
    });
    const { key } = await admin.createEnrollmentKey({ entities: ['fixtures'] });
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    if (enrolled.code !== 0) throw new Error(`enroll failed (${enrolled.code}): ${enrolled.stderr}`);
    const sync = await runCli(['sync', '--config', configFile, '--timeout-secs', String(options.timeoutSecs)], {
      timeoutMs: (options.timeoutSecs + 30) * 1000,
    });

    const latest = async (source: string, stream: string) => {
      const byKey = new Map<string, StoredRecord>();
      for (const record of await admin.records({ source, stream })) byKey.set(JSON.stringify(record.key), record);
      return [...byKey.values()];
    };
    const compare = async (fixture: FixtureDatabase): Promise<TableComparison[]> => {
      const comparisons: TableComparison[] = [];
      for (const table of tables.get(fixture.label) ?? []) {
        const stream = streamForTable(table, options.pageRows).stream.name;
        const stored = await admin.records({ source: fixture.label, stream });
        const byKey = new Map(stored.map((record) => [JSON.stringify(record.key), record]));
        const rows = [...byKey.values()].map((record) => record.data ?? {});
        const { badColumns, ...cloud } = cloudDigest(fixture.dialect, table, rows);
        comparisons.push({
          source: fixture.label,
          table: table.name,
          database: await databaseDigest(fixture, table),
          cloud,
          storedRecords: stored.length,
          badColumns,
        });
      }
      return comparisons;
    };
    return { admin, sync, tables, latest, compare, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One line per table for the test log: `sakila-postgresql.payment 16049 rows ok`. */
export function describeComparison(c: TableComparison): string {
  const ok =
    c.database.count === c.cloud.count && c.database.digest === c.cloud.digest && c.storedRecords === c.database.count;
  return (
    `${c.source}.${c.table}: database ${c.database.count} rows ${c.database.digest.slice(0, 12)}, ` +
    `cloud ${c.cloud.count} rows (${c.storedRecords} stored) ${c.cloud.digest.slice(0, 12)}${ok ? ' ok' : ' MISMATCH'}` +
    (c.badColumns.length > 0 ? ` columns ${c.badColumns.join(' | ')}` : '')
  );
}
