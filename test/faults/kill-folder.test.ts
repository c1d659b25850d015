/**
 * kill -9 of a real agent process while it imports files from a watched folder, just before and just
 * after an outbox commit, then a clean restart: every dropped file's entries and Z reports are in the
 * cloud exactly once in effect, every original was uploaded, every file ended in the archive once,
 * none in quarantine, none left behind. Downloads overlap, so business-level dedupe is crash-tested too.
 * Seeded: TYA_KILL_SEED=<seed> replays a run.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { between } from '../../agents/cli/demo/random.ts';
import { seededRandom } from '../../agents/pipeline/seeded-random.ts';
import { sampleZReport, zReportJson } from '../../agents/formats/zreport/zreport-samples.ts';
import { camtStatement } from '../../agents/transforms/statements/statement-samples.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig } from '../helpers/agent-process.ts';
import { dropFile, expectedEntries, expectedZReports, uniqueRows } from '../helpers/folder-files.ts';
import { describeReconciliation, reconcile, type SourceRow } from '../helpers/reconcile.ts';

const SEED = Number(process.env.TYA_KILL_SEED ?? 20261130);
const ROUNDS = 8;
const IBAN = 'NL91ABNA0417164300';

let dir: string;
let cloudDir: string;
let inbox: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let configFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-kill-folder-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-kill-folder-cloud-'));
  inbox = path.join(dir, 'inbox');
  mkdirSync(inbox);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Kill folder test', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-1', batchMaxRecords: 8, batchMaxAgeMs: 0, retryBaseMs: 50, retryMaxMs: 500, heartbeatIntervalSecs: 3600 },
    // Small pages: one bank file is several commits, so kills land between them.
    sources: [{ type: 'folder', name: 'drop', path: inbox, kind: 'auto', stableMs: 100, pageRows: 7, rescanIntervalSecs: 1 }],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-1'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe(`kill -9 while importing files (seed ${SEED})`, () => {
  it('loses no file and doubles no entry, report or upload', async () => {
    process.stdout.write(`folder kill test seed: ${SEED} (replay with TYA_KILL_SEED=${SEED})\n`);
    const random = seededRandom(SEED);
    const expected: SourceRow[] = [];
    const shas = new Set<string>();
    const names: string[] = [];
    const deaths: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round += 1) {
      // A bank download overlapping the previous one, and a shift-close report.
      const from = round * 20;
      const bankName = `bank-${round}.xml`;
      const bank = camtStatement({ iban: IBAN, sequence: round + 1, opening: '0', from, to: from + 30 });
      const zName = `Z-${String(500 + round).padStart(5, '0')}.json`;
      const z = zReportJson([sampleZReport({ zNumber: String(500 + round).padStart(5, '0'), register: `till-${round % 2}` })]);
      shas.add(dropFile(inbox, bankName, bank).sha256);
      shas.add(dropFile(inbox, zName, z).sha256);
      names.push(bankName, zName);
      expected.push(...(await expectedEntries(bankName, bank)), ...(await expectedZReports(zName, z)));

      const point = round % 2 === 0 ? 'capture.after-commit' : 'capture.before-commit';
      const hit = between(random, 1, 6);
      const agent = startAgentProcess(configFile, { TYA_FAULT_KILL_AT: `${point}:${hit}` });
      const died = await Promise.race([agent.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
      if (died === null) await agent.kill('SIGKILL');
      else expect(died.signal, agent.output()).toBe('SIGKILL');
      const how = `${point} (${died === null ? 'late' : 'self'})`;
      deaths[how] = (deaths[how] ?? 0) + 1;
    }
    process.stdout.write(`kills: ${JSON.stringify(deaths)}\n`);

    const agent = startAgentProcess(configFile);
    const archived = () => {
      const base = path.join(inbox, 'archive');
      return existsSync(base) ? readdirSync(base).flatMap((day) => readdirSync(path.join(base, day))) : [];
    };
    try {
      await waitFor('every file archived and the queue empty', async () => {
        if (readdirSync(inbox).some((f) => f.endsWith('.xml') || f.endsWith('.json'))) return false;
        const status = await runCli(['status', '--json', '--config', configFile]);
        return status.code !== 8 && (JSON.parse(status.stdout) as { queue: { depth: number } }).queue.depth === 0;
      }, { timeoutMs: 60_000, describe: () => `inbox: ${readdirSync(inbox).join(', ')}; ${agent.output().slice(-1500)}` });
      await waitFor('every original uploaded', async () => {
        const stored = new Set((await admin.files()).map((f) => f.sha256));
        return [...shas].every((sha) => stored.has(sha));
      }, { timeoutMs: 30_000 });
    } finally {
      await agent.kill('SIGTERM');
    }

    const rows = uniqueRows(expected);
    for (const stream of ['bank_entries', 'shift_reports']) {
      const result = reconcile(rows.filter((r) => r.stream === stream), await admin.records({ source: 'drop', stream }));
      process.stdout.write(`${stream}: ${describeReconciliation(result)}\n`);
      expect(result.lost, describeReconciliation(result)).toEqual([]);
      expect(result.wrongContent, describeReconciliation(result)).toEqual([]);
      expect(result.duplicateEffects, describeReconciliation(result)).toEqual([]);
      expect(result.unexpected).toEqual([]);
    }
    // Each file is archived exactly once, never quarantined, never reported as a duplicate of itself.
    expect(archived().sort()).toEqual([...names].sort());
    expect(existsSync(path.join(inbox, 'quarantine'))).toBe(false);
    const files = await admin.records({ source: 'drop', stream: 'source_files' });
    expect(new Set(files.map((f) => f.key.sha256)).size).toBe(names.length);
    const selfKills = Object.entries(deaths).filter(([k]) => k.endsWith('(self)')).reduce((n, [, v]) => n + v, 0);
    expect(selfKills).toBeGreaterThanOrEqual(ROUNDS / 2);
  }, 300_000);
});
