/**
 * A change back to earlier content must arrive (cloud-api.md § Batches, `seq`): a price put back, a
 * voided invoice restored, a bank correction reversed. One real agent process reads a table on
 * SQLite, PostgreSQL and MariaDB over ODBC and a watched bank folder; each row (or bank entry) goes
 * A → B → A, the second A written only after the cloud accepted B. The sandbox must end with A, and
 * its history for the key must be exactly the three captured states in seq order.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDecimals } from '../../agents/formats/decimal.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  createSqliteFile,
  type ThrowawayDatabase,
} from '../helpers/databases.ts';
import { dropFile } from '../helpers/folder-files.ts';
import { assertCloudHistory, type CapturedKey } from '../helpers/history-oracle.ts';

const IBAN = 'DE89370400440532013000';
const A = '18.40';
const B = '0.00';

let dir: string;
let cloudDir: string;
let bankDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let agent: AgentProcess;
const databases = new Map<string, ThrowawayDatabase>();

/** The rows each database starts with; `price` is the field that goes A → B → A on row 1. */
const TABLE = {
  sqlite: 'CREATE TABLE prices (id INTEGER PRIMARY KEY, price TEXT NOT NULL, row_version INTEGER NOT NULL)',
  postgresql: 'CREATE TABLE prices (id int PRIMARY KEY, price numeric(12,2) NOT NULL, row_version int NOT NULL)',
  mariadb: 'CREATE TABLE prices (id int PRIMARY KEY, price decimal(12,2) NOT NULL, row_version int NOT NULL)',
} as const;
type Dialect = keyof typeof TABLE;
const DIALECTS = Object.keys(TABLE) as Dialect[];

/** A CAMT.053 statement whose balances add up: entry REF-1 carries `amount`, REF-<n> makes each file distinct. */
function statement(sequence: number, amount: string): string {
  const entries = [
    { ref: 'REF-1', amount },
    { ref: `REF-${sequence + 100}`, amount: `${sequence}.00` },
  ];
  const closing = entries.reduce((sum, e) => addDecimals(sum, e.amount), '100.00');
  const entryXml = entries
    .map(
      (e) =>
        `<Ntry><Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>` +
        `<BookgDt><Dt>2026-11-2${sequence}</Dt></BookgDt><AcctSvcrRef>${e.ref}</AcctSvcrRef><BkTxCd/></Ntry>`,
    )
    .join('\n');
  const bal = (code: string, value: string) =>
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">${value}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-2${sequence}</Dt></Dt></Bal>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>\n' +
    `<GrpHdr><MsgId>MSG-${sequence}</MsgId><CreDtTm>2026-11-2${sequence}T23:00:00+01:00</CreDtTm></GrpHdr>\n` +
    `<Stmt><Id>STMT-${sequence}</Id><ElctrncSeqNb>${sequence}</ElctrncSeqNb><CreDtTm>2026-11-2${sequence}T23:00:00+01:00</CreDtTm>\n` +
    `<Acct><Id><IBAN>${IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n${bal('OPBD', '100.00')}\n${bal('CLBD', closing)}\n` +
    `${entryXml}\n</Stmt></BkToCstmrStmt></Document>\n`
  );
}

async function setPrice(dialect: Dialect, price: string, version: number): Promise<void> {
  const quoted = dialect === 'sqlite' ? `'${price}'` : price;
  await databases.get(dialect)!.exec(`UPDATE prices SET price = ${quoted}, row_version = ${version} WHERE id = 1`);
}

/** What the sandbox's newest record for a key says the field is, once it is the key's latest. */
async function latestOf(source: string, stream: string, key: Record<string, string>, field: string): Promise<unknown> {
  const [latest] = await admin.latest({ source, stream, key });
  return latest?.data?.[field];
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-change-back-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-change-back-cloud-'));
  bankDir = path.join(dir, 'bank');
  mkdirSync(bankDir);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  databases.set('sqlite', createSqliteFile('change_back'));
  databases.set('postgresql', await createPostgresDatabase('change_back'));
  databases.set('mariadb', await createMariaDbDatabase('change_back'));
  for (const dialect of DIALECTS) {
    const db = databases.get(dialect)!;
    await db.exec(`${TABLE[dialect]}; INSERT INTO prices VALUES (1, ${dialect === 'sqlite' ? `'${A}'` : A}, 1), (2, ${dialect === 'sqlite' ? "'5.00'" : '5.00'}, 2);`);
  }
  const configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Change back', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-7', batchMaxAgeMs: 20, heartbeatIntervalSecs: 3600, retryBaseMs: 50, retryMaxMs: 500 },
    sources: [
      ...DIALECTS.map((dialect) => ({
        type: 'odbc' as const,
        name: `${dialect}-db`,
        dialect,
        connectionString: databases.get(dialect)!.connectionString,
        intervalSecs: 0.3,
        streams: [{ name: 'prices', table: 'prices', keyColumns: ['id'], cursorColumn: 'row_version' }],
      })),
      { type: 'folder' as const, name: 'bank', path: bankDir, kind: 'bank' as const, stableMs: 200 },
    ],
  });
  const { key } = await admin.createEnrollmentKey();
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
  agent = startAgentProcess(configFile);
});

afterAll(async () => {
  await agent?.kill('SIGTERM');
  await sandbox?.close();
  for (const db of databases.values()) await db.drop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cloudDir, { recursive: true, force: true });
});

describe('A → B → A arrives as A', () => {
  it.each(DIALECTS)('over ODBC on %s', async (dialect) => {
    const source = `${dialect}-db`;
    const key = { id: '1' };
    const describe = () => agent.output().slice(-3000);
    await waitFor(`A on ${dialect}`, async () => (await latestOf(source, 'prices', key, 'price')) === A, { describe });
    await setPrice(dialect, B, 3);
    await waitFor(`B accepted on ${dialect}`, async () => (await latestOf(source, 'prices', key, 'price')) === B, { describe });
    await setPrice(dialect, A, 4);
    await waitFor(`A again on ${dialect}`, async () => (await latestOf(source, 'prices', key, 'price')) === A, { describe });

    const captured: CapturedKey[] = [
      { stream: 'prices', key, states: [A, B, A].map((price, i) => ({ op: 'upsert', data: { id: '1', price, row_version: String(i === 0 ? 1 : i + 2) } })) },
      { stream: 'prices', key: { id: '2' }, states: [{ op: 'upsert', data: { id: '2', price: '5.00', row_version: '2' } }] },
    ];
    const rows = await databases.get(dialect)!.query('SELECT id, price, row_version FROM prices ORDER BY id');
    await assertCloudHistory(
      admin,
      { source },
      captured,
      rows.map(([id, price, version]) => ({ stream: 'prices', key: { id: id! }, data: { id: id!, price: price!, row_version: version! } })),
    );
  });

  it('through a file stream: a bank correction reversed', async () => {
    const key = { account: IBAN, entryKey: `ref:${IBAN}:REF-1` };
    const amountInCloud = () => latestOf('bank', 'bank_entries', key, 'amount');
    const describe = () => agent.output().slice(-3000);
    dropFile(bankDir, 'stmt-1.xml', statement(1, A));
    await waitFor('A from the first statement', async () => (await amountInCloud()) === A, { describe });
    dropFile(bankDir, 'stmt-2.xml', statement(2, B));
    await waitFor('the correction B accepted', async () => (await amountInCloud()) === B, { describe });
    dropFile(bankDir, 'stmt-3.xml', statement(3, A));
    await waitFor('A again', async () => (await amountInCloud()) === A, { describe });

    const history = (await admin.history({ source: 'bank', stream: 'bank_entries', key })).map((h) => h.data?.amount);
    expect(history).toEqual([A, B, A]);
  });
});
