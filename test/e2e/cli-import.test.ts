/**
 * `tya-agent import` as a real process: a CSV, JSON Lines and an Excel file into streams, each line
 * checked on its own, then `tya-agent sync` delivers them to the sandbox with every value exact.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, writeAgentConfig } from '../helpers/agent-process.ts';

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let configFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-import-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-import-cloud-'));
  mkdirSync(path.join(dir, 'bank'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Import test', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-3', heartbeatIntervalSecs: 3600 },
    sources: [{ type: 'folder', name: 'bank', path: path.join(dir, 'bank') }],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-3'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe('tya-agent import', () => {
  it('takes the good lines of a CSV, says why the others were refused, and delivers them exactly', async () => {
    const csv = path.join(dir, 'customers.csv');
    writeFileSync(
      csv,
      '\uFEFFcustomer_id;name;credit_limit\r\n' +
        'C-1;"Müller; Söhne";12345678901234567.89\r\n' +
        ';No key;1.00\r\n' +
        'C-2;"Line\nbreak";0.10\r\n' +
        'C-1;Again;2.00\r\n' +
        'C-3;Too;many;cells\r\n' +
        'C-4;Plain;-0.01\r\n',
    );
    const result = await runCli(['import', csv, '--stream', 'customers', '--key', 'customer_id', '--config', configFile]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('Imported customers.csv into stream "customers" (source "import"): 3 accepted, 3 rejected; queued until the agent runs.');
    expect(result.stderr).toContain('line 3: the key column "customer_id" is empty');
    expect(result.stderr).toContain('line 6: the key customer_id=C-1 was already on line 2');
    expect(result.stderr).toContain('line 7: the line has 4 cells, the header has 3');

    const sync = await runCli(['sync', '--timeout-secs', '60', '--config', configFile]);
    expect(sync.code, sync.stderr).toBe(0);
    const records = await admin.records({ source: 'import', stream: 'customers' });
    expect(records.map((r) => ({ key: r.key, data: r.data })).sort((a, b) => a.key.customer_id!.localeCompare(b.key.customer_id!))).toEqual([
      { key: { customer_id: 'C-1' }, data: { customer_id: 'C-1', name: 'Müller; Söhne', credit_limit: '12345678901234567.89' } },
      { key: { customer_id: 'C-2' }, data: { customer_id: 'C-2', name: 'Line\nbreak', credit_limit: '0.10' } },
      { key: { customer_id: 'C-4' }, data: { customer_id: 'C-4', name: 'Plain', credit_limit: '-0.01' } },
    ]);
  });

  it('reads JSON Lines and Excel with composite keys, refusing inexact JSON numbers', async () => {
    const jsonl = path.join(dir, 'prices.jsonl');
    writeFileSync(
      jsonl,
      [
        { store: 'S1', sku: 'A', price: '1.10', stock: 12 },
        { store: 'S1', sku: 'B', price: 1.1 },
        '{ not json',
        { store: 'S2', sku: 'A', price: '2.00', tags: ['x', 7] },
      ]
        .map((l) => (typeof l === 'string' ? l : JSON.stringify(l)))
        .join('\n'),
    );
    const result = await runCli(['import', jsonl, '--stream', 'prices', '--key', 'store,sku', '--json', '--config', configFile]);
    expect(result.code).toBe(3);
    const summary = JSON.parse(result.stdout) as { accepted: number; rejected: Array<{ line: number; reason: string }> };
    expect(summary.accepted).toBe(2);
    expect(summary.rejected).toEqual([
      { line: 2, reason: '"price" is the JSON number 1.1; write amounts and other exact values as strings ("12.50")' },
      { line: 3, reason: expect.stringContaining('not valid JSON') as unknown },
    ]);

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Stock');
    sheet.addRow(['store', 'sku', 'price', 'counted']);
    sheet.addRow(['S3', 'C', 19.99, new Date('2026-11-28T00:00:00Z')]);
    sheet.addRow(['S3', 'D', 0.1, 'n/a']);
    const xlsx = path.join(dir, 'stock.xlsx');
    writeFileSync(xlsx, Buffer.from(await workbook.xlsx.writeBuffer()));
    const excel = await runCli(['import', xlsx, '--stream', 'prices', '--key', 'store,sku', '--config', configFile]);
    expect(excel.code, excel.stderr).toBe(0);
    expect(excel.stdout).toContain('2 accepted, 0 rejected');

    const sync = await runCli(['sync', '--timeout-secs', '60', '--config', configFile]);
    expect(sync.code, sync.stderr).toBe(0);
    const records = await admin.records({ source: 'import', stream: 'prices' });
    const byKey = Object.fromEntries(records.map((r) => [`${r.key.store}/${r.key.sku}`, r.data]));
    expect(byKey).toEqual({
      'S1/A': { store: 'S1', sku: 'A', price: '1.10', stock: '12' },
      'S2/A': { store: 'S2', sku: 'A', price: '2.00', tags: ['x', '7'] },
      'S3/C': { store: 'S3', sku: 'C', price: '19.99', counted: '2026-11-28' },
      'S3/D': { store: 'S3', sku: 'D', price: '0.1', counted: 'n/a' },
    });
  });

  it('refuses an unknown key column and a configured source name (exit 2) before importing anything', async () => {
    const csv = path.join(dir, 'customers.csv');
    const unknown = await runCli(['import', csv, '--stream', 'customers', '--key', 'id', '--config', configFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('The key column "id" is not in customers.csv.');
    expect(unknown.stderr).toContain('Its columns are: customer_id, name, credit_limit.');
    const taken = await runCli(['import', csv, '--stream', 'customers', '--key', 'customer_id', '--source', 'bank', '--config', configFile]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('"bank" is a configured source');
  });
});
