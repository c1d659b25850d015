/**
 * What the write-back tests share: an enrolled agent's real CloudClient against a started sandbox, a
 * WritebackApplier over a throwaway database, and the sandbox's view of the results.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../../agents/api/index.ts';
import { WritebackConfigSchema } from '../../agents/api/writeback-config.ts';
import { CloudClient } from '../../agents/delivery/cloud-client.ts';
import { recordVersion } from '../../agents/outbox/record-version.ts';
import { WritebackApplier } from '../../agents/writeback/writeback-applier.ts';
import { WritebackState } from '../../agents/writeback/writeback-state.ts';
import { TestAgent, type TestSandbox } from '../../sandbox/sandbox-test-kit.ts';

export type Dialect = 'postgresql' | 'mariadb' | 'sqlite';

export async function enrolledClient(t: TestSandbox): Promise<{ client: CloudClient; agentId: string; cloudKey: string }> {
  const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
  const c = agent.credentials;
  const client = new CloudClient({
    baseUrl: t.sandbox.url,
    agentVersion: '1.4.0',
    timeoutMs: 10_000,
    credentials: {
      agentId: c.agentId,
      clientId: c.clientId,
      getClientSecret: () => Promise.resolve(c.clientSecret),
      getSigningSecret: () => Promise.resolve(c.signingSecret),
    },
  });
  return { client, agentId: c.agentId, cloudKey: (await t.admin.cloudKey()).cloudKey };
}

/** A config with one ODBC source `erp` (stream `accounts` over table `accounts`) and the given targets. */
export function writebackConfig(dialect: Dialect, connectionString: string, targets: unknown[], accountsTable = 'accounts'): AgentConfig {
  return {
    sources: [
      {
        type: 'odbc',
        name: 'erp',
        dialect,
        connectionString,
        timeZone: 'UTC',
        streams: [{ name: 'accounts', table: accountsTable, keyColumns: ['id'] }],
      },
    ],
    writeback: WritebackConfigSchema.parse({ pollSecs: 1, targets }),
  } as unknown as AgentConfig;
}

export interface AuditSeen {
  event: string;
  subject: string;
  actor: string;
}

export function makeApplier(config: AgentConfig, cloudKey: string, dataDir = mkdtempSync(join(tmpdir(), 'tya-wb-'))) {
  const state = new WritebackState(join(dataDir, 'writeback.db'));
  const audits: AuditSeen[] = [];
  const alerts: string[] = [];
  const applier = new WritebackApplier({
    config: () => config,
    state,
    // The loopback broker's guest password is the only secret write-back tests have (rabbitmq targets).
    secrets: { resolve: (ref) => (ref === 'test/rabbit' ? Promise.resolve('guest') : Promise.reject(new Error('no secrets in this test'))) },
    cloudKey: () => cloudKey,
    audit: (entry, actor = 'system') => audits.push({ event: entry.event, subject: entry.subject, actor }),
    alert: (code) => alerts.push(code),
    nowIso: () => new Date().toISOString(),
  });
  return { applier, state, audits, alerts, dataDir };
}

/** The version capture gives an `accounts` row whose columns are all text. */
export function accountVersion(data: Record<string, string | null>): string {
  return recordVersion({ key: { id: data.id ?? '' }, op: 'upsert', data });
}

/** One pass as the running part does it. */
export async function pass(applier: WritebackApplier, client: CloudClient): Promise<void> {
  await applier.report(client);
  await applier.fetch(client);
  await applier.applyAll();
  await applier.report(client);
}
