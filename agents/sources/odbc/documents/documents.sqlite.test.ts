/**
 * Shift-close documents against a real SQLite file read over ODBC: the document streams on their
 * own (OdbcSource's hook only calls prepare/poll/check), with the engine's commit-then-ack played
 * by the test harness.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject, OdbcDocumentConfig, OdbcSourceConfig } from '../../../api/index.ts';
import { OdbcDocumentSchema, OdbcSourceSchema } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { ReadResult } from '../../../pipeline/source.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../../../../test/helpers/databases.ts';
import { dialectFor } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { nodeOdbcDriver } from '../odbc-driver.ts';
import { memoryContext, type MemoryContext } from '../test-harness.ts';
import { DocumentStreams } from './document-streams.ts';

const SCHEMA = `
CREATE TABLE shifts (id INTEGER PRIMARY KEY, till TEXT NOT NULL, z INTEGER NOT NULL, opened DATETIME NOT NULL,
  closed DATETIME, opening_float TEXT NOT NULL, counted TEXT);
CREATE TABLE receipts (id INTEGER PRIMARY KEY, shift_id INTEGER NOT NULL, total TEXT NOT NULL, note TEXT);
CREATE TABLE lines (receipt_id INTEGER NOT NULL, line_no INTEGER NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (receipt_id, line_no));
CREATE TABLE payments (id INTEGER PRIMARY KEY, receipt_id INTEGER NOT NULL, tender TEXT NOT NULL, amount TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, changed INTEGER NOT NULL);`;

function documentConfig(overrides: Partial<OdbcDocumentConfig> = {}): OdbcDocumentConfig {
  return OdbcDocumentSchema.parse({
    name: 'shift_close',
    currency: 'EUR',
    shift: {
      table: 'shifts',
      keyColumns: ['id'],
      registerColumn: 'till',
      zNumberColumn: 'z',
      closedWhen: { type: 'closeColumnSet', column: 'closed' },
      recentShifts: 3,
    },
    receipts: { table: 'receipts', match: { shift_id: 'id' }, idColumn: 'id', totalColumn: 'total' },
    lines: {
      sql: 'SELECT l.receipt_id, l.line_no, l.amount FROM lines l JOIN receipts r ON r.id = l.receipt_id WHERE r.shift_id = ?',
      receiptColumn: 'receipt_id',
      totalColumn: 'amount',
    },
    payments: {
      sql: 'SELECT p.id, p.receipt_id, p.tender, p.amount FROM payments p JOIN receipts r ON r.id = p.receipt_id WHERE r.shift_id = ?',
      receiptColumn: 'receipt_id',
      tenderColumn: 'tender',
      amountColumn: 'amount',
    },
    cash: { countedColumn: 'counted', openingColumns: ['opening_float'], cashTenders: ['cash'] },
    ...overrides,
  });
}

let db: ThrowawayDatabase;
let connection: OdbcConnection;
let now: number;
let ctx: MemoryContext;
let alerts: Array<{ code: string; message: string }>;

function sourceConfig(documents: OdbcDocumentConfig[]): OdbcSourceConfig {
  return OdbcSourceSchema.parse({
    type: 'odbc',
    name: 'till-db',
    dialect: 'sqlite',
    connectionString: db.connectionString,
    streams: [{ name: 'items', table: 'items', keyColumns: ['id'], cursorColumn: 'changed' }],
    documents,
  });
}

async function streamsFor(documents: OdbcDocumentConfig[] = [documentConfig()]): Promise<DocumentStreams> {
  const streams = new DocumentStreams(sourceConfig(documents), ctx, dialectFor('sqlite'));
  await streams.prepare(connection, new AbortController().signal);
  return streams;
}

/** Polls and commits until nothing more is closed, like the capture loop would. */
async function drainDocuments(streams: DocumentStreams): Promise<ReadResult[]> {
  const results: ReadResult[] = [];
  for (let i = 0; i < 50; i += 1) {
    const result = await streams.poll(connection, new AbortController().signal);
    if (result === null) return results;
    ctx.commit('till-db', result);
    results.push(result);
  }
  throw new Error('documents kept coming');
}

/** A shift with receipts of the given line amounts, each paid in full by `tender`. */
async function addShift(id: number, till: string, z: number, receipts: string[][], tender = 'cash'): Promise<void> {
  const statements = [`INSERT INTO shifts VALUES (${id}, '${till}', ${z}, '2025-03-0${id % 9} 08:00:00', NULL, '100.00', NULL);`];
  receipts.forEach((lines, r) => {
    const receiptId = id * 100 + r;
    const total = lines.reduce((sum, amount) => sum + Math.round(Number(amount) * 100), 0) / 100;
    statements.push(`INSERT INTO receipts VALUES (${receiptId}, ${id}, '${total.toFixed(2)}', NULL);`);
    lines.forEach((amount, l) => statements.push(`INSERT INTO lines VALUES (${receiptId}, ${l + 1}, '${amount}');`));
    statements.push(`INSERT INTO payments VALUES (${receiptId}, ${receiptId}, '${tender}', '${total.toFixed(2)}');`);
  });
  await db.exec(statements.join('\n'));
}

async function closeShift(id: number, closed: string, counted: string): Promise<void> {
  await db.exec(`UPDATE shifts SET closed = '${closed}', counted = '${counted}' WHERE id = ${id};`);
}

function only(result: ReadResult): JsonObject {
  expect(result.records).toHaveLength(1);
  const data = result.records[0]!.data!;
  expect(numbersIn(data), 'the cloud refuses JSON numbers').toEqual([]);
  return data;
}

/** Paths of JSON numbers anywhere in a value. */
function numbersIn(value: unknown, at = '$'): string[] {
  if (typeof value === 'number') return [at];
  if (Array.isArray(value)) return value.flatMap((item, i) => numbersIn(item, `${at}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${at}.${k}`));
  return [];
}

beforeEach(async () => {
  db = createSqliteFile('documents');
  await db.exec(SCHEMA);
  connection = await nodeOdbcDriver.connect({ connectionString: db.connectionString, loginTimeoutSecs: 5 });
  now = Date.UTC(2025, 2, 1, 12);
  alerts = [];
  ctx = Object.assign(memoryContext({ clock: { now: () => now, sleep: () => Promise.resolve() } }), {
    alerts: { raiseAlert: (a: { code: string; message: string }) => alerts.push(a) },
  });
});

afterEach(async () => {
  await connection?.close();
  await db?.drop();
});

describe('shift-close documents (SQLite over ODBC)', () => {
  it('sends each closed shift once, as one urgent record with its children, totals and checks', async () => {
    await addShift(1, 'till-1', 411, [['10.00', '2.50'], ['0.10', '0.20']]);
    await addShift(2, 'till-2', 7, [['5.00']], 'card');
    await addShift(3, 'till-1', 412, [['1.00']]);
    await closeShift(1, '2025-03-01 18:00:00', '112.80');
    await closeShift(2, '2025-03-01 18:05:00', '100.00');
    const streams = await streamsFor();

    const sent = await drainDocuments(streams);
    expect(sent.map((r) => [r.stream, r.lane, r.records[0]!.key])).toEqual([
      ['shift_close', 'urgent', { id: '1' }],
      ['shift_close', 'urgent', { id: '2' }],
    ]);
    const first = only(sent[0]!);
    expect(first).toMatchObject({ register: 'till-1', zNumber: '411', closedAt: '2025-03-01T18:00:00+00:00', balanced: true });
    expect(first.shift).toMatchObject({ id: '1', till: 'till-1', opening_float: '100.00', counted: '112.80' });
    expect(first.receipts).toEqual([
      { id: '100', shift_id: '1', total: '12.50', note: null },
      { id: '101', shift_id: '1', total: '0.30', note: null },
    ]);
    expect(first.lines).toEqual([
      { receipt_id: '100', line_no: '1', amount: '10.00' },
      { receipt_id: '100', line_no: '2', amount: '2.50' },
      { receipt_id: '101', line_no: '1', amount: '0.10' },
      { receipt_id: '101', line_no: '2', amount: '0.20' },
    ]);
    expect(first.totals).toEqual({
      currency: 'EUR',
      receiptCount: '2',
      receipts: '12.80',
      lineCount: '4',
      lines: '12.80',
      paymentCount: '2',
      payments: '12.80',
      tenders: { cash: '12.80' },
      cash: { cashPayments: '12.80', opening: '100.00', expected: '112.80', counted: '112.80', overShort: '0.00' },
    });
    expect((first.checks as JsonObject[]).map((c) => [c.name, c.ok])).toEqual([
      ['lines_vs_receipts', true],
      ['tenders_vs_receipts', true],
      ['cash_count', true],
    ]);
    // The cash check of till-2 (paid by card) expects the float only.
    expect(only(sent[1]!).balanced).toBe(true);
    expect(alerts).toEqual([]);

    // Nothing new: nothing sent, and no new look until pollSecs passed.
    expect(await drainDocuments(streams)).toEqual([]);
    await closeShift(3, '2025-03-01 19:00:00', '101.00');
    expect(await drainDocuments(streams)).toEqual([]);
    now += 1000;
    const later = await drainDocuments(streams);
    expect(later.map((r) => r.records[0]!.key)).toEqual([{ id: '3' }]);
    expect(only(later[0]!)).toMatchObject({ zNumber: '412', balanced: true });

    // A restart from the committed checkpoint sends nothing again.
    expect(await drainDocuments(await streamsFor())).toEqual([]);
  });

  it('still sends a shift that closes late with an earlier close time, once', async () => {
    for (let id = 1; id <= 5; id += 1) await addShift(id, `till-${id}`, 1, [['1.00']]);
    await closeShift(1, '2025-03-01 18:00:00', '101.00');
    await closeShift(3, '2025-03-01 18:30:00', '101.00');
    const streams = await streamsFor();
    expect((await drainDocuments(streams)).map((r) => r.records[0]!.key.id)).toEqual(['1', '3']);
    // Till 2's clock is behind: it closes after till 3 with an earlier time.
    await closeShift(2, '2025-03-01 18:10:00', '101.00');
    await closeShift(4, '2025-03-01 19:00:00', '101.00');
    await closeShift(5, '2025-03-01 19:30:00', '101.00');
    now += 1000;
    expect((await drainDocuments(streams)).map((r) => r.records[0]!.key.id)).toEqual(['2', '4', '5']);
    // recentShifts is 3: shifts 1 and 2 fell below the floor, 3, 4, 5 are remembered.
    const checkpoint = ctx.committed.get('till-db/shift_close') as JsonObject;
    expect(checkpoint.floor).toEqual(['2025-03-01 18:10:00', '2']);
    expect((checkpoint.recent as string[][]).map((p) => p[1])).toEqual(['3', '4', '5']);
    now += 1000;
    expect(await drainDocuments(await streamsFor())).toEqual([]);
  });

  it('flags a shift whose payment is missing and alerts only once it is committed', async () => {
    await addShift(1, 'till-1', 411, [['1000.00'], ['214.10']]);
    await db.exec('DELETE FROM payments WHERE id = 101;');
    await db.exec("INSERT INTO payments VALUES (999, 101, 'card', '204.10');");
    await closeShift(1, '2025-03-01 18:00:00', '1100.00');
    const streams = await streamsFor();
    const result = (await streams.poll(connection, new AbortController().signal))!;
    const document = only(result);
    expect(document.balanced).toBe(false);
    const tenders = (document.checks as JsonObject[]).find((c) => c.name === 'tenders_vs_receipts')!;
    expect(tenders).toMatchObject({ ok: false, message: 'Payments 1,204.10 EUR, receipts 1,214.10 EUR: 10.00 EUR missing.' });
    expect(alerts).toEqual([]);
    ctx.commit('till-db', result);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.code).toBe('shift_unbalanced:till-db:shift_close:till-1:411');
    expect(alerts[0]!.message).toMatch(/^Shift Z 411 on register till-1 \(source "till-db"\) does not balance: Payments 1,204\.10 EUR, receipts 1,214\.10 EUR: 10\.00 EUR missing\./);
  });

  it('warns about a gap in a register\'s Z numbers, but not about a shift that is still open', async () => {
    await addShift(1, 'till-1', 411, [['1.00']]);
    await addShift(2, 'till-1', 412, [['1.00']]);
    await addShift(3, 'till-1', 413, [['1.00']]);
    await addShift(4, 'till-2', 7, [['1.00']]);
    await addShift(5, 'till-2', 9, [['1.00']]);
    await closeShift(1, '2025-03-01 10:00:00', '101.00');
    await closeShift(4, '2025-03-01 10:00:00', '101.00');
    const streams = await streamsFor();
    expect(await drainDocuments(streams)).toHaveLength(2);
    // 413 closes while 412 is still open: not a gap; till-2 jumps from 7 to 9 with no 8 anywhere: a gap.
    await closeShift(3, '2025-03-01 11:00:00', '101.00');
    await closeShift(5, '2025-03-01 11:00:00', '101.00');
    now += 1000;
    expect(await drainDocuments(streams)).toHaveLength(2);
    expect(alerts.map((a) => a.code)).toEqual(['z_gap:till-db:shift_close:till-2:8-8']);
    expect(alerts[0]!.message).toBe(
      'Register till-2 (source "till-db"): Z 7 then Z 9: Z 8 is missing. That shift\'s report may have been deleted or the till reset; its sales may be missing from the books.',
    );
  });

  it('in zNumberIncrements mode sends a shift once the register starts its next Z', async () => {
    const config = documentConfig({
      shift: {
        table: 'shifts',
        keyColumns: ['id'],
        registerColumn: 'till',
        zNumberColumn: 'z',
        closedWhen: { type: 'zNumberIncrements', latestIsOpen: true },
        recentShifts: 50,
      },
      cash: undefined,
    });
    await addShift(1, 'till-1', 9, [['1.00']]);
    await addShift(2, 'till-1', 10, [['2.00']]);
    await addShift(3, 'till-2', 1, [['3.00']]);
    const streams = await streamsFor([config]);
    expect((await drainDocuments(streams)).map((r) => only(r).zNumber)).toEqual(['9']);
    await addShift(4, 'till-1', 11, []);
    await addShift(5, 'till-2', 2, []);
    now += 1000;
    expect((await drainDocuments(streams)).map((r) => [only(r).register, only(r).zNumber])).toEqual([
      ['till-2', '1'],
      ['till-1', '10'],
    ]);
    expect(ctx.committed.get('till-db/shift_close')).toMatchObject({ lastZ: { 'till-1': '10', 'till-2': '1' } });
  });

  it('refuses, by name, a column or table the configuration gets wrong', async () => {
    const wrongColumn = documentConfig({ receipts: { ...documentConfig().receipts!, totalColumn: 'amount_total' } });
    await expect(streamsFor([wrongColumn])).rejects.toThrow(/table receipts has no column "amount_total" \(configured as a column of receipts\)/);
    const wrongTable = documentConfig({ shift: { ...documentConfig().shift, table: 'cash_up' } });
    const error = await streamsFor([wrongTable]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('odbc_table_missing');
    const taken = documentConfig({ name: 'items' });
    await expect(streamsFor([taken])).rejects.toThrow(/document name "items" is also used/);
    // A SQL child that does not return the configured column is named at the first close.
    const badSql = documentConfig({ payments: { ...documentConfig().payments!, amountColumn: 'paid' } });
    await addShift(1, 'till-1', 1, [['1.00']]);
    await closeShift(1, '2025-03-01 10:00:00', '101.00');
    const streams = await streamsFor([badSql]);
    await expect(streams.poll(connection, new AbortController().signal)).rejects.toThrow(
      /payments: the SQL returns no column "paid"\. It returns: id, receipt_id, tender, amount/,
    );
  });

  it('refuses a shift with more child rows than maxRows instead of reading them all', async () => {
    const small = documentConfig({ lines: { ...documentConfig().lines!, maxRows: 3 } });
    await addShift(1, 'till-1', 1, [['1.00', '1.00', '1.00', '1.00']]);
    await closeShift(1, '2025-03-01 10:00:00', '104.00');
    const streams = await streamsFor([small]);
    await expect(streams.poll(connection, new AbortController().signal)).rejects.toThrow(/more than 3 lines rows/);
  });

  it('reports its tables in "Test connection"', async () => {
    const streams = new DocumentStreams(sourceConfig([documentConfig()]), ctx, dialectFor('sqlite'));
    const empty = await streams.check(connection, new AbortController().signal);
    expect(empty.failure).toBeNull();
    expect(empty.lines[0]).toMatch(/^Document "shift_close": table shifts is readable; no shift is closed yet/);
    await addShift(1, 'till-1', 5, [['1.00']]);
    await closeShift(1, '2025-03-01 10:00:00', '101.00');
    const found = await streams.check(connection, new AbortController().signal);
    expect(found.lines[0]).toBe('Document "shift_close": table shifts is readable, and so are its receipts, lines, payments (tried on Shift Z 5 on register till-1).');
    const broken = new DocumentStreams(
      sourceConfig([documentConfig({ lines: { ...documentConfig().lines!, sql: 'SELECT * FROM no_such_lines WHERE receipt_id = ?' } })]),
      ctx,
      dialectFor('sqlite'),
    );
    const failed = await broken.check(connection, new AbortController().signal);
    expect(failed.failure?.code).toBe('odbc_table_missing');
    expect(failed.lines[0]).toMatch(/^Document "shift_close": .*no such table/);
  });
});
