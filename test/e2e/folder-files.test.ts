/**
 * Watched folders over real processes: `tya-agent run` with a bank folder and a till folder → the
 * sandbox cloud. A shift-close report arrives with its original and the status says so; overlapping
 * bank downloads are applied once; a statement that does not add up is quarantined; and a Z report
 * overtakes thousands of queued bank entries (the urgent lane).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusSchema, type AgentStatus } from '../../agents/api/index.ts';
import { sampleZReport, zReportJson } from '../../agents/formats/zreport/zreport-samples.ts';
import { camtStatement } from '../../agents/transforms/statements/statement-samples.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { dropFile, expectedEntries, expectedZReports, uniqueRows } from '../helpers/folder-files.ts';
import { describeReconciliation, reconcile } from '../helpers/reconcile.ts';

const IBAN = 'AT611904300234573201';
let dir: string;
let cloudDir: string;
let bankDir: string;
let tillDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let configFile: string;
let agent: AgentProcess;

async function cloudCount(source: string, stream: string): Promise<number> {
  return (await admin.counts()).streams.find((s) => s.source === source && s.stream === stream)?.records ?? 0;
}

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return AgentStatusSchema.parse(JSON.parse(result.stdout));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-folders-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-folders-cloud-'));
  bankDir = path.join(dir, 'bank');
  tillDir = path.join(dir, 'till');
  mkdirSync(bankDir);
  mkdirSync(tillDir);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Folder e2e', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-9', batchMaxRecords: 200, batchMaxAgeMs: 50, heartbeatIntervalSecs: 3600, retryBaseMs: 50, retryMaxMs: 500 },
    sources: [
      { type: 'folder', name: 'bank', path: bankDir, kind: 'bank', stableMs: 300 },
      { type: 'folder', name: 'tills', path: tillDir, kind: 'zreport', stableMs: 300, timeZone: 'Europe/Vienna' },
    ],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-9'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
  agent = startAgentProcess(configFile);
});

afterAll(async () => {
  await agent?.kill('SIGTERM');
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe('watched folders → sandbox over real processes', () => {
  it('uploads a shift-close report with its original, and the status says "Z-00412 … uploaded"', async () => {
    const content = zReportJson([sampleZReport()]);
    const dropped = dropFile(tillDir, 'Z-00412.json', content);
    await waitFor('the Z report in the cloud', async () => (await cloudCount('tills', 'shift_reports')) === 1, { describe: () => agent.output().slice(-2000) });
    const result = reconcile(await expectedZReports('Z-00412.json', content), await admin.records({ source: 'tills', stream: 'shift_reports' }));
    expect(result.lost, describeReconciliation(result)).toEqual([]);
    expect(result.wrongContent, describeReconciliation(result)).toEqual([]);
    await waitFor('the original in the cloud', async () => (await admin.files()).some((f) => f.sha256 === dropped.sha256));
    expect((await admin.fileContent(dropped.sha256)).toString()).toBe(content);
    expect((await admin.files()).find((f) => f.sha256 === dropped.sha256)).toMatchObject({ name: 'Z-00412.json', source: 'tills', contentType: 'application/json' });
    await waitFor('the uploaded notice', async () => (await status()).sources.find((s) => s.name === 'tills')?.notices?.[0]?.message === 'Z-00412 (register till-1) uploaded.');
    const text = await runCli(['status', '--config', configFile]);
    expect(text.stdout).toContain('Z-00412 (register till-1) uploaded.');
    expect(existsSync(dropped.path)).toBe(false);
    expect(readdirSync(path.join(tillDir, 'archive', new Date().toISOString().slice(0, 10)))).toContain('Z-00412.json');
  });

  it('applies an entry of two overlapping bank downloads once (the repeat is not even sent)', async () => {
    const first = camtStatement({ iban: IBAN, sequence: 1, opening: '500.00', from: 0, to: 60 });
    const second = camtStatement({ iban: IBAN, sequence: 2, opening: '500.00', from: 40, to: 100 });
    dropFile(bankDir, 'download-1.xml', first);
    await waitFor('the first download in the cloud', async () => (await cloudCount('bank', 'bank_entries')) === 60 && (await status()).queue.depth === 0, {
      describe: () => agent.output().slice(-2000),
    });
    const duplicatesBefore = (await admin.counts()).duplicates;
    dropFile(bankDir, 'download-2.xml', second);
    await waitFor('the second download handled', async () => (await cloudCount('bank', 'source_files')) === 2 && (await status()).queue.depth === 0);
    const expected = uniqueRows([...(await expectedEntries('download-1.xml', first)), ...(await expectedEntries('download-2.xml', second))]);
    expect(expected).toHaveLength(100);
    const result = reconcile(expected, await admin.records({ source: 'bank', stream: 'bank_entries' }));
    expect(result.lost, describeReconciliation(result)).toEqual([]);
    expect(result.wrongContent, describeReconciliation(result)).toEqual([]);
    expect(result.duplicateEffects, describeReconciliation(result)).toEqual([]);
    expect(result.unexpected).toEqual([]);
    // The 20 shared entries are the same versions as already sent: the agent does not queue them again
    // (cloud-api.md § Batches), so the cloud sees no duplicates either.
    expect((await admin.counts()).duplicates - duplicatesBefore).toBe(0);
  });

  it('quarantines a statement that does not add up and raises an alert with the difference', async () => {
    dropFile(bankDir, 'wrong.xml', camtStatement({ iban: IBAN, sequence: 3, opening: '0', from: 100, to: 110, closingError: '-0.01' }));
    await waitFor('the quarantine alert', async () => (await status()).alerts.some((a) => a.code === 'file_quarantined:bank:wrong.xml'));
    const alert = (await status()).alerts.find((a) => a.code === 'file_quarantined:bank:wrong.xml')!;
    expect(alert.message).toContain('difference -0.01 EUR');
    expect(existsSync(path.join(bankDir, 'quarantine', 'wrong.xml.error.txt'))).toBe(true);
    expect(await cloudCount('bank', 'bank_entries')).toBe(100);
  });

  it('sends a Z report ahead of thousands of queued bank entries (urgent lane)', async () => {
    // Every batch request takes 250 ms: the bank backlog drains at ~800 entries a second at most.
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 250, times: 100_000 });
    try {
      const before = await cloudCount('bank', 'bank_entries');
      dropFile(bankDir, 'big.xml', camtStatement({ iban: IBAN, sequence: 4, opening: '0', from: 200, to: 8200 }));
      await waitFor('thousands of bank entries queued', async () => (await status()).queue.depth >= 5000, { timeoutMs: 20_000 });
      const started = Date.now();
      dropFile(tillDir, 'Z-00413.json', zReportJson([sampleZReport({ zNumber: '00413', businessDay: '2026-11-29' })]));
      await waitFor('Z-00413 in the cloud', async () => (await cloudCount('tills', 'shift_reports')) === 2, { timeoutMs: 20_000, intervalMs: 50 });
      const latencyMs = Date.now() - started;
      const bankSent = (await cloudCount('bank', 'bank_entries')) - before;
      const queued = (await status()).queue.depth;
      process.stdout.write(`Z report reached the cloud ${latencyMs} ms after the drop, with ${queued} records still queued and ${bankSent} of 8000 bank entries sent\n`);
      expect(queued).toBeGreaterThan(2000);
      expect(bankSent).toBeLessThan(6000);
      expect(latencyMs).toBeLessThan(5000);
    } finally {
      await admin.clearFaults();
    }
  });
});
