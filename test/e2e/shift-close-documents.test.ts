/**
 * POS shift closes as documents, end to end on the real POS schemas (the external corpus's db/pos):
 * uniCenta oPOS on PostgreSQL (closedcash, receipts, ticketlines, taxlines, payments) and Open Source
 * POS on MariaDB (ospos_cash_up, sales, items, taxes, payments), filled by seeded generators that
 * keep their own books in cents. A real `tya-agent run` process reads both over ODBC while it loads a
 * bulk backlog, and the sandbox cloud receives exactly one document per closed shift, ahead of that
 * backlog, with the totals the tills rang up; a shift that does not balance arrives flagged and
 * raises an alert naming the register and the Z number.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusSchema, type AgentStatus } from '../../agents/api/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import type { StoredRecord } from '../../sandbox/admin-schemas.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { createMariaDbDatabase, createPostgresDatabase, type ThrowawayDatabase } from '../helpers/databases.ts';
import { loadOspos, loadUnicenta } from '../helpers/pos-schemas/load-pos-schema.ts';
import { centsText, type ShiftExpectation } from '../helpers/pos-schemas/money.ts';
import { OsposShop } from '../helpers/pos-schemas/ospos-shop.ts';
import { OSPOS_CASH_UP, UNICENTA_SHIFT_CLOSE } from '../helpers/pos-schemas/shift-close-configs.ts';
import { UnicentaShop } from '../helpers/pos-schemas/unicenta-shop.ts';
import { hasExternalCorpus } from '../helpers/external-corpus.ts';
import { serviceMissing } from '../helpers/services.ts';

const BACKLOG_ROWS = 6000;

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let unicentaDb: ThrowawayDatabase;
let osposDb: ThrowawayDatabase;
let unicenta: UnicentaShop;
let ospos: OsposShop;
let configFile: string;
let agent: AgentProcess | null = null;
let openCashup: number;
/** Every shift closed so far, by source and key: what the cloud must hold, once each. */
const closed = new Map<string, ShiftExpectation>();

function remember(source: string, expectation: ShiftExpectation): ShiftExpectation {
  closed.set(`${source}/${expectation.key}`, expectation);
  return expectation;
}

async function documents(source: string, stream: string): Promise<StoredRecord[]> {
  return admin.records({ source, stream });
}

async function streamCount(source: string, stream: string): Promise<number> {
  return (await admin.counts()).streams.find((s) => s.source === source && s.stream === stream)?.records ?? 0;
}

async function waitForDocument(source: string, stream: string, keyColumn: string, key: string): Promise<StoredRecord> {
  let found: StoredRecord | undefined;
  await waitFor(
    `the ${stream} document ${key} in the sandbox`,
    async () => {
      found = (await documents(source, stream)).find((record) => record.key[keyColumn] === key);
      return found !== undefined;
    },
    { timeoutMs: 45_000, describe: () => agentLog() },
  );
  return found!;
}

/** The agent's own log (its stdout only says where the log is), for the failure message. */
function agentLog(): string {
  const file = path.join(dir, 'data', 'logs', 'agent.log');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-40).join('\n') : (agent?.output() ?? '');
}

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return AgentStatusSchema.parse(JSON.parse(result.stdout));
}

type Totals = Record<string, unknown>;

/** The document's figures against the generator's own books (never computed by the agent). */
function expectTotals(record: StoredRecord, expected: ShiftExpectation): void {
  const data = record.data!;
  expect(data.register).toBe(expected.register);
  expect(data.zNumber).toBe(expected.z);
  const tenders = Object.fromEntries(
    Object.entries(expected.tenders)
      .filter(([, cents]) => cents !== 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([tender, cents]) => [tender, centsText(cents)]),
  );
  expect(data.totals).toMatchObject({
    currency: 'EUR',
    receiptCount: String(expected.receipts),
    lineCount: String(expected.lines),
    receipts: centsText(expected.grossCents),
    lines: centsText(expected.netCents),
    payments: centsText(expected.paymentsCents),
    tenders,
  });
  expect((data.receipts as unknown[]).length).toBe(expected.receipts);
  expect((data.lines as unknown[]).length).toBe(expected.lines);
}

function check(record: StoredRecord, name: string): { ok: boolean; message: string; figures: Record<string, string> } {
  const found = (record.data!.checks as Array<{ name: string; ok: boolean; message: string; figures: Record<string, string> }>).find((c) => c.name === name);
  expect(found, `check ${name}`).toBeDefined();
  return found!;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-shift-close-'));
  cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-shift-close-cloud-'));
  sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
  admin = new SandboxAdmin(sandbox.url);
  [unicentaDb, osposDb] = await Promise.all([createPostgresDatabase('pos_unicenta'), createMariaDbDatabase('pos_ospos')]);
  await Promise.all([loadUnicenta(unicentaDb, 'postgresql'), loadOspos(osposDb)]);
  [unicenta, ospos] = await Promise.all([UnicentaShop.create(unicentaDb, 11), OsposShop.create(osposDb, 12)]);

  // History: closed shifts on two tills, and the shifts running now.
  await unicenta.openShift('till-1', '2025-03-01 07:55:00');
  await unicenta.sell('till-1', 12, '2025-03-01');
  remember('unicenta', await unicenta.closeShift('till-1', '2025-03-01 18:01:02.123456'));
  await unicenta.openShift('till-1', '2025-03-02 07:58:00');
  await unicenta.sell('till-1', 8, '2025-03-02');
  remember('unicenta', await unicenta.closeShift('till-1', '2025-03-02 18:00:00'));
  await unicenta.openShift('till-2', '2025-03-02 08:00:00');
  await unicenta.sell('till-2', 6, '2025-03-02');
  remember('unicenta', await unicenta.closeShift('till-2', '2025-03-02 18:05:00'));
  await unicenta.openShift('till-1', '2025-03-03 08:00:00');
  await unicenta.sell('till-1', 10, '2025-03-03');
  await unicenta.openShift('till-2', '2025-03-03 08:00:00');
  await unicenta.sell('till-2', 9, '2025-03-03');
  await unicenta.stockBacklog(BACKLOG_ROWS);

  const first = await ospos.openCashup('2025-03-03 08:00:00', 10_000);
  await ospos.sell(first, ['2025-03-03 09:15:00', '2025-03-03 10:40:00', '2025-03-03 12:05:00', '2025-03-03 15:30:00']);
  remember('ospos', await ospos.closeCashup(first, '2025-03-03 17:00:00'));
  openCashup = await ospos.openCashup('2025-03-04 08:00:00', 15_000, 2_000);
  await ospos.sell(openCashup, ['2025-03-04 09:00:00', '2025-03-04 11:11:11', '2025-03-04 16:59:59']);

  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Shift close e2e', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-9', batchMaxRecords: 50, heartbeatIntervalSecs: 1, retryBaseMs: 100, retryMaxMs: 1000 },
    sources: [
      {
        type: 'odbc',
        name: 'unicenta',
        dialect: 'postgresql',
        connectionString: unicentaDb.connectionString,
        timeZone: 'Europe/Berlin',
        intervalSecs: 1,
        streams: [{ name: 'stock_diary', table: 'stockdiary', keyColumns: ['id'], cursorColumn: 'datenew', pageRows: 200 }],
        documents: [UNICENTA_SHIFT_CLOSE],
      },
      {
        type: 'odbc',
        name: 'ospos',
        dialect: 'mariadb',
        connectionString: osposDb.connectionString,
        timeZone: 'UTC',
        intervalSecs: 1,
        streams: [{ name: 'sales', table: 'ospos_sales', keyColumns: ['sale_id'], cursorColumn: 'sale_id' }],
        documents: [OSPOS_CASH_UP],
      },
    ],
  });
  const { key } = await admin.createEnrollmentKey({ entities: ['store-9'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  await Promise.all([unicentaDb?.drop(), osposDb?.drop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (cloudDir) rmSync(cloudDir, { recursive: true, force: true });
});

describe.skipIf(!hasExternalCorpus() || serviceMissing('postgresql', 'mariadb'))('POS shift close documents on the uniCenta and OSPOS schemas', () => {
  it('sends every closed shift as one document with the totals the tills rang up, ahead of the bulk backlog', async () => {
    // A slow cloud: each batch takes 150 ms, so the 6,000-row backlog needs well over ten seconds.
    await admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 150, times: 1_000_000 });
    agent = startAgentProcess(configFile);
    for (const [id, expected] of closed) {
      const [source, key] = id.split('/') as [string, string];
      const record =
        source === 'unicenta'
          ? await waitForDocument('unicenta', 'shift_close', 'money', key)
          : await waitForDocument('ospos', 'cash_up', 'cashup_id', key);
      expectTotals(record, expected);
      expect(record.data!.balanced).toBe(true);
    }
    expect(await streamCount('unicenta', 'stock_diary')).toBeLessThan(BACKLOG_ROWS);

    const first = (await documents('unicenta', 'shift_close')).find((r) => r.data!.zNumber === '1' && r.data!.register === 'till-1')!;
    // µs of the close survive, in the source's zone.
    expect(first.data!.closedAt).toBe('2025-03-01T18:01:02.123456+01:00');
    expect(check(first, 'lines_vs_receipts')).toMatchObject({ ok: true });
    expect(check(first, 'tenders_vs_receipts').message).toMatch(/^Payments [\d,]+\.\d\d EUR = receipts [\d,]+\.\d\d EUR\.$/);
    const cashUp = (await documents('ospos', 'cash_up'))[0]!;
    expect(check(cashUp, 'cash_count')).toMatchObject({ ok: true, figures: { overShort: '0.00' } });
  });

  it('a shift closed while the backlog loads overtakes it', async () => {
    remember('unicenta', await unicenta.closeShift('till-1', '2025-03-03 18:30:00'));
    const started = Date.now();
    const shift = [...closed.values()].at(-1)!;
    const record = await waitForDocument('unicenta', 'shift_close', 'money', shift.key);
    const backlogDelivered = await streamCount('unicenta', 'stock_diary');
    expect(backlogDelivered, 'the shift close waited for the backlog').toBeLessThan(BACKLOG_ROWS);
    expect(Date.now() - started).toBeLessThan(15_000);
    expectTotals(record, shift);
    expect(record.data!.balanced).toBe(true);
  });

  it('flags a shift whose payment went missing and alerts the bookkeeper with register and Z number', async () => {
    const lost = await unicenta.losePayment('till-2');
    const shift = remember('unicenta', await unicenta.closeShift('till-2', '2025-03-03 18:45:00'));
    const record = await waitForDocument('unicenta', 'shift_close', 'money', shift.key);
    expect(record.data!.balanced).toBe(false);
    expectTotals(record, shift);
    const tenders = check(record, 'tenders_vs_receipts');
    expect(tenders.ok).toBe(false);
    expect(tenders.figures.difference).toBe(`-${centsText(lost)}`);
    expect(tenders.message).toMatch(new RegExp(`: ${centsText(lost).replace('.', '\\.')} EUR missing\\.$`));
    await waitFor('the unbalanced-shift alert', async () => (await status()).alerts.some((a) => a.code.startsWith('shift_unbalanced:')));
    const alert = (await status()).alerts.find((a) => a.code.startsWith('shift_unbalanced:'))!;
    expect(alert.severity).toBe('warning');
    expect(alert.message).toMatch(/^Shift Z 2 on register till-2 \(source "unicenta"\) does not balance: Payments .* EUR missing\./);
  });

  it('warns when a register skips a Z number', async () => {
    await unicenta.openShift('till-2', '2025-03-04 08:00:00', 4);
    await unicenta.sell('till-2', 3, '2025-03-04');
    const shift = remember('unicenta', await unicenta.closeShift('till-2', '2025-03-04 18:00:00'));
    await waitForDocument('unicenta', 'shift_close', 'money', shift.key);
    await waitFor('the Z gap alert', async () => (await status()).alerts.some((a) => a.code.startsWith('z_gap:')));
    const alert = (await status()).alerts.find((a) => a.code.startsWith('z_gap:'))!;
    expect(alert.message).toMatch(/^Register till-2 \(source "unicenta"\): Z 2 then Z 4: Z 3 is missing\./);
  });

  it('OSPOS: a drawer counted 10.00 short arrives flagged with the over/short and its sign', async () => {
    const shift = remember('ospos', await ospos.closeCashup(openCashup, '2025-03-04 17:05:00', -1000));
    const record = await waitForDocument('ospos', 'cash_up', 'cashup_id', shift.key);
    expectTotals(record, shift);
    expect(record.data!.balanced).toBe(false);
    const cash = check(record, 'cash_count');
    expect(cash.ok).toBe(false);
    expect(cash.figures).toEqual({
      counted: centsText(shift.countedCashCents!),
      expected: centsText(shift.expectedCashCents!),
      overShort: '-10.00',
    });
    expect(cash.message).toBe(
      `Cash counted ${centsText(shift.countedCashCents!)} EUR, expected ${centsText(shift.expectedCashCents!)} EUR: 10.00 EUR short.`,
    );
    expect((record.data!.totals as Totals).cash).toMatchObject({ opening: '170.00', overShort: '-10.00' });
    expect(check(record, 'tenders_vs_receipts').ok).toBe(true);
    const alerts = (await status()).alerts;
    expect(alerts.some((a) => a.code.startsWith('shift_unbalanced:ospos:cash_up:') && a.message.includes('10.00 EUR short'))).toBe(true);
  });

  it('holds exactly one document per closed shift, also after a restart', async () => {
    await admin.clearFaults();
    await waitFor('the backlog delivered', async () => (await streamCount('unicenta', 'stock_diary')) >= BACKLOG_ROWS, { timeoutMs: 60_000 });
    expect(await agent!.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    agent = startAgentProcess(configFile);
    // A shift closed after the restart proves the restarted agent looked for closes again.
    await unicenta.openShift('till-1', '2025-03-04 08:00:00');
    await unicenta.sell('till-1', 2, '2025-03-04');
    const last = remember('unicenta', await unicenta.closeShift('till-1', '2025-03-04 18:10:00'));
    await waitForDocument('unicenta', 'shift_close', 'money', last.key);

    const [closedUnicenta] = await unicentaDb.query('SELECT count(*) FROM closedcash WHERE dateend IS NOT NULL');
    const [closedOspos] = await osposDb.query('SELECT count(*) FROM ospos_cash_up WHERE close_date IS NOT NULL');
    const shiftDocuments = await documents('unicenta', 'shift_close');
    const cashUps = await documents('ospos', 'cash_up');
    expect(shiftDocuments.length).toBe(Number(closedUnicenta![0]));
    expect(cashUps.length).toBe(Number(closedOspos![0]));
    expect(new Set(shiftDocuments.map((r) => r.key.money)).size).toBe(shiftDocuments.length);
    expect(shiftDocuments.length + cashUps.length).toBe(closed.size);
    expect((await admin.counts()).duplicates).toBe(0);
  });
});
