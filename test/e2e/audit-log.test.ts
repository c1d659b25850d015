/**
 * The audit log over real processes (issue 12 item 6): enrollment from the CLI, a settings change
 * through the control API and a command from the cloud each leave an entry naming who did it; the
 * heartbeat carries the chain's head and the sandbox acknowledges it; and tampering with the
 * SQLite file while the agent is stopped (an edit, then a cut chain) makes `audit verify` fail,
 * naming the entry and why. Real sandbox, real `tya-agent run`, real SQLite, real keychain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditListSchema, type AgentConfigInput, type AuditEntry, type AuditList } from '../../agents/api/index.ts';
import { readControlFileSync } from '../../agents/control/control-file.ts';
import { dataDirLayout } from '../../agents/engine/data-dir.ts';
import { CONTROL_API_PREFIX } from '../../agents/control/control-protocol.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';

let dir: string;
let dataDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let configFile: string;
let config: AgentConfigInput;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-audit-'));
  dataDir = path.join(dir, 'data');
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  config = {
    agent: { name: 'Audit', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
    sources: [],
  };
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), config);
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function control(method: 'GET' | 'PUT', route: string, body?: unknown): Promise<unknown> {
  const file = readControlFileSync(dataDir)!;
  const response = await fetch(`http://127.0.0.1:${file.port}${CONTROL_API_PREFIX}${route}`, {
    method,
    headers: { authorization: `Bearer ${file.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json()) as { ok: boolean; value?: unknown; error?: unknown };
  expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
  return parsed.value;
}

async function auditList(): Promise<AuditList> {
  return AuditListSchema.parse(await control('GET', '/audit'));
}

async function cliEntries(): Promise<AuditEntry[]> {
  const listed = await runCli(['audit', 'list', '--json', '--config', configFile]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as AuditEntry[];
}

/** The test is the attacker: it writes the outbox directly while the agent is stopped. */
function tamper(statement: string, ...params: unknown[]): void {
  const db = new Database(dataDirLayout(dataDir).outbox);
  db.prepare(statement).run(...params);
  db.close();
}

describe('audit log', () => {
  it('records who enrolled, changed settings and ran a command; the cloud acknowledges the head; tampering is found', async () => {
    const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);

    agent = startAgentProcess(configFile);
    await waitFor('the control API', () => readControlFileSync(dataDir) !== null, { describe: () => agent!.output() });
    await control('PUT', '/settings', { logLevel: 'debug' });
    // The audit key is not a credential anyone sets: the route refuses it (and records nothing).
    const file = readControlFileSync(dataDir)!;
    const refused = await fetch(`http://127.0.0.1:${file.port}${CONTROL_API_PREFIX}/settings/secrets/${encodeURIComponent('audit/mac-key')}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${file.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'not-the-key' }),
    });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('secret_ref_reserved');
    const [registered] = await admin.agents();
    const commandId = await admin.queueCommand(registered!.agentId, 'pause');
    await waitFor('the pause ack', async () => (await admin.acks(registered!.agentId)).some((a) => a.commandId === commandId), {
      describe: () => agent!.output(),
    });

    // The heartbeat carries the newest head; the sandbox stores it and answers with it.
    let list = await auditList();
    await waitFor(
      'the sandbox to acknowledge the newest audit head',
      async () => {
        list = await auditList();
        const stored = (await admin.agents())[0]?.auditHead;
        return list.entries.length === 3 && stored === list.head && list.acknowledgedHead === list.head;
      },
      { describe: async () => JSON.stringify({ list, agents: await admin.agents() }) },
    );
    expect(list.entries.map((e) => [e.seq, e.actor, e.event, e.subject])).toEqual([
      [3, `cloud:${commandId}`, 'command-executed', 'pause'],
      [2, 'token:admin', 'config-changed', 'settings'],
      [1, 'cli', 'enrolled', registered!.agentId],
    ]);
    expect(list.entries[1]!.details).toEqual({ fields: 'logLevel' });
    expect(list.entries.every((e) => e.mac !== null)).toBe(true);

    const plain = await runCli(['audit', 'list', '--config', configFile]);
    expect(plain.stdout).toMatch(/#1 .* cli +enrolled/);
    expect(plain.stdout).toMatch(/#2 .* token:admin +config-changed +settings/);
    expect(plain.stdout).toContain(`cloud:${commandId}`);
    const intact = await runCli(['audit', 'verify', '--config', configFile]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toContain('The audit log is intact: 3 entries');

    await agent.kill('SIGTERM');
    agent = undefined;
    expect((await cliEntries()).length).toBe(3);

    // An edit: who changed the settings is rewritten.
    tamper(`UPDATE audit_log SET actor = 'system' WHERE seq = 2`);
    const edited = await runCli(['audit', 'verify', '--config', configFile]);
    expect(edited.code).toBe(3);
    expect(edited.stderr).toContain('FAILED verification at entry 2 (edited)');
    tamper(`UPDATE audit_log SET actor = 'token:admin' WHERE seq = 2`);
    expect((await runCli(['audit', 'verify', '--config', configFile])).code).toBe(0);

    // A cut: the newest entry, which the cloud acknowledged, is removed; locally the chain still links.
    tamper('DELETE FROM audit_log WHERE seq = 3');
    const cut = await runCli(['audit', 'verify', '--config', configFile]);
    expect(cut.code).toBe(3);
    expect(cut.stderr).toMatch(/\(head_unknown\): The cloud acknowledged the audit head sha256:[0-9a-f]{64}, which this chain no longer contains/);

    // Started again, the agent says so on its own, and the heartbeats that follow do not wash the evidence away.
    agent = startAgentProcess(configFile);
    await waitFor('the audit_head_unknown alert', async () => {
      const alerts = await runCli(['alerts', 'list', '--json', '--config', configFile]);
      return alerts.stdout.includes('"audit_head_unknown"');
    }, { describe: () => agent!.output() });
    await waitFor('a heartbeat with the cut chain\'s head', async () => (await admin.agents())[0]?.auditHead === list.entries[1]!.hash);
    await agent.kill('SIGTERM');
    agent = undefined;
    expect((await runCli(['audit', 'verify', '--config', configFile])).code).toBe(3);
    // The dashboard's own save was known to the agent: starting again recorded no hand edit.
    expect((await cliEntries()).filter((e) => e.subject === 'config file')).toEqual([]);

    // A hand edit of the config file while the agent is stopped is recorded when it starts with it.
    writeAgentConfig(configFile, { ...config, agent: { name: 'Audit renamed', dataDir: 'data' } });
    agent = startAgentProcess(configFile);
    await waitFor('the hand edit recorded', async () => (await cliEntries()).some((e) => e.subject === 'config file'), { describe: () => agent!.output() });
    await agent.kill('SIGTERM');
    agent = undefined;
    expect((await cliEntries())[0]).toMatchObject({ actor: 'system', event: 'config-changed', subject: 'config file' });
  });
});
