/**
 * A real bank statement through mapping, validation and reference data (issue 13): a CAMT.053 file
 * of the fixtures with a EUR and a USD account is dropped into a watched folder; its entries are mapped (signed amount
 * with the money helpers, the currency's name looked up in the cached `currencies` list) and validated
 * (schema formats, the `currencies` reference rule) before they reach the sandbox. Beside it, a SQLite
 * ledger over ODBC maps the ERP's tax keys to the cloud's through the store's custom `tax-code-map`
 * list: a key the list lacks is quarantined with the list named. The mapped amounts are checked
 * against the file's own entries with integer arithmetic on scaled BigInts, not decimal.js.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../agents/api/index.ts';
import { parseFile } from '../../agents/formats/parse-file.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { corpusPath, corpusSkippedLine, hasExternalCorpus } from '../helpers/external-corpus.ts';

const FIXTURE = 'bank/camt/bankstatementparser_camt053_multicurrency.xml';
if (!hasExternalCorpus()) process.stdout.write(`bank-mapping: ${corpusSkippedLine()}\n`);

const NAMES: Record<string, string> = { EUR: 'Euro', USD: 'United States dollar' };
let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let configFile: string;
let agent: AgentProcess | undefined;

/** Decimal text → integer count of 10^-scale units (the oracle: no decimal library involved). */
function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const units = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  if (fraction.length > scale) throw new Error(`${text} has more than ${scale} decimals`);
  return negative ? -units : units;
}

describe.skipIf(!hasExternalCorpus())('a bank fixture and an ERP ledger through mapping, validation and reference lists', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bank-mapping-'));
    mkdirSync(path.join(dir, 'bank'));
    sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
    admin = new SandboxAdmin(sandbox.url);
    db = createSqliteFile('ledger-lookup');
    await db.exec(`CREATE TABLE ledger (id INTEGER PRIMARY KEY, tax_key TEXT NOT NULL, net TEXT NOT NULL);
      INSERT INTO ledger VALUES (1, 'V19', '100.00'), (2, 'V7', '20.00'), (3, 'V16', '5.00');`);
    writeFileSync(path.join(dir, 'entries.mapping.json'), JSON.stringify({
      stream: 'bank_entries',
      input: { accountId: 'text', entryKey: 'text', bookingDate: 'date', amount: 'money', currency: 'text', creditDebit: 'text', counterparty: 'text' },
      lookups: { currencyName: { list: 'currencies', from: 'code', to: 'name' } },
      fields: {
        account: { expr: 'accountId', type: 'text', required: true },
        booked: { expr: 'bookingDate', type: 'date', required: true },
        signedAmount: { expr: 'creditDebit = "debit" ? $decimalNeg(amount) : amount', type: 'money', required: true },
        currency: { expr: 'currency', type: 'text', required: true },
        currencyName: { expr: '$refLookup("currencyName", currency)', type: 'text', required: true },
        counterparty: { expr: '$trim(counterparty)', type: 'text' },
      },
    }));
    writeFileSync(path.join(dir, 'entries.rules.json'), JSON.stringify({
      stream: 'bank_entries',
      schema: { type: 'object', required: ['booked', 'signedAmount', 'currency'], properties: {
        booked: { type: 'string', format: 'date' },
        signedAmount: { type: 'string', format: 'money', decimalMinimum: '-1000000', decimalMaximum: '1000000' },
        currency: { type: 'string', format: 'currency' } } },
      rules: [{ rule: 'reference', field: 'currency', list: 'currencies', column: 'code' }],
    }));
    writeFileSync(path.join(dir, 'ledger.mapping.json'), JSON.stringify({
      stream: 'ledger',
      input: { id: 'integer', tax_key: 'text', net: 'money' },
      lookups: { taxCode: { list: 'tax-code-map', from: 'local', to: 'code' } },
      fields: {
        id: { expr: 'id', type: 'integer' },
        taxCode: { expr: '$refLookup("taxCode", tax_key)', type: 'text', required: true },
        net: { expr: 'net', type: 'money' },
      },
    }));
    configFile = path.join(dir, 'agent.json');
    writeAgentConfig(configFile, {
      agent: { name: 'Bank mapping', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
      sources: [
        { type: 'folder', name: 'bank', path: path.join(dir, 'bank'), kind: 'bank', stableMs: 200 },
        { type: 'odbc', name: 'erp', dialect: 'sqlite', connectionString: db.connectionString, intervalSecs: 1,
          streams: [{ name: 'ledger', table: 'ledger', keyColumns: ['id'], cursorColumn: 'id' }] },
      ],
      streams: [
        { source: 'bank', stream: 'bank_entries', mapping: 'entries.mapping.json', rules: 'entries.rules.json' },
        { source: 'erp', stream: 'ledger', mapping: 'ledger.mapping.json' },
      ],
    });
    const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agent = startAgentProcess(configFile);
  });

  afterAll(async () => {
    await agent?.kill('SIGKILL');
    await sandbox?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps every entry of the CAMT.053 file exactly, with each currency named from the cached list', async () => {
    const fixture = corpusPath(FIXTURE);
    const report = await parseFile(fixture);
    const entries = report.statements.flatMap((s) => s.entries.map((e) => ({ account: s.accountId, ...e })));
    expect(entries).toHaveLength(3); // EXPECTED.csv: 3 transactions (2 EUR, 1 USD)
    copyFileSync(fixture, path.join(dir, 'bank', path.basename(fixture)));
    const records = () => admin.latest({ source: 'bank', stream: 'bank_entries', limit: 1_000 });
    await waitFor('three mapped entries in the cloud', async () => (await records()).length >= 3, { describe: async () => (await runCli(['status', '--config', configFile])).stdout });
    const cloud = await records();
    expect(cloud).toHaveLength(3);
    const byKey = new Map(cloud.map((r) => [r.key.entryKey, r.data!]));
    let expectedSum = 0n;
    let cloudSum = 0n;
    for (const entry of entries) {
      const mapped = byKey.get(entry.entryKey);
      expect(mapped, entry.entryKey).toBeDefined();
      const signed = scaled(entry.amount, 2) * (entry.creditDebit === 'debit' ? -1n : 1n);
      expect(scaled(String(mapped!.signedAmount), 2), entry.entryKey).toBe(signed);
      expect(mapped).toMatchObject({ account: entry.account, booked: entry.bookingDate, currency: entry.currency, currencyName: NAMES[entry.currency] });
      expect(Object.keys(mapped!)).not.toContain('amount'); // the mapping's shape, not the parser's
      expectedSum += signed;
      cloudSum += scaled(String(mapped!.signedAmount), 2);
    }
    expect(cloudSum).toBe(expectedSum);
    expect((await quarantined('bank')).length).toBe(0);
  });

  it("maps the ERP's tax keys through the store's custom list and quarantines a key the list lacks, naming it", async () => {
    const rows = () => admin.latest({ source: 'erp', stream: 'ledger', limit: 100 });
    await waitFor('two ledger rows in the cloud', async () => (await rows()).length >= 2, { describe: () => agent!.output() });
    expect((await rows()).map((r) => [r.key.id, r.data?.taxCode]).sort()).toEqual([['1', 'DE-19'], ['2', 'DE-7']]);
    await waitFor('row 3 quarantined', async () => (await quarantined('erp')).length >= 1, { describe: () => agent!.output() });
    const [held] = await quarantined('erp');
    expect(held).toMatchObject({ key: { id: '3' }, status: 'quarantined' });
    expect(held!.reasons[0]).toMatchObject({ code: 'mapping_lookup', path: 'taxCode' });
    expect(held!.reasons[0]!.message).toContain('"V16" is not in the "tax-code-map" list');
  });
});

async function quarantined(source: string): Promise<QuarantineEntry[]> {
  const result = await runCli(['quarantine', 'list', '--json', '--source', source, '--config', configFile]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as QuarantineEntry[];
}
