/**
 * The ODBC source's behaviour, written once and run against each real database (SQLite, PostgreSQL,
 * MariaDB) by the `odbc-source.<dialect>.test.ts` files. Expected values come from what was
 * inserted and from the database's own text of each value, never from the source's output.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OdbcSourceConfig, OdbcStreamConfig } from '../../api/index.ts';
import { OdbcSourceSchema } from '../../api/index.ts';
import type { AgentError } from '../../pipeline/errors.ts';
import { NotConnectedError, PermanentError } from '../../pipeline/errors.ts';
import type { ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { OdbcSource } from './odbc-source.ts';
import { drain, memoryContext } from './test-harness.ts';
import type { MemoryContext } from './test-harness.ts';

export interface DialectFixture {
  dialect: OdbcSourceConfig['dialect'];
  create: () => Promise<ThrowawayDatabase>;
  types: {
    int: string;
    bigint: string;
    decimal20: string;
    numeric38: string;
    longText: string;
    timestamp: string;
    boolean: string;
    binary: string;
    date: string;
  };
  /** SQL literal of bytes given as hex. */
  hexLiteral: (hex: string) => string;
  /** SQL that makes the database print a column's value as text (its own formatting). */
  asText: (column: string) => string;
  /** Whether DECIMAL(20,2) keeps 12345678901234567.89 exactly (SQLite rounds it to a double). */
  keepsDecimals: boolean;
  /** The connection string pointed at a port nothing listens on (not for file databases). */
  wrongPort?: (connectionString: string) => string;
}

const signal = new AbortController().signal;

/** 20,000 code points mixing ASCII, accents, CJK and emoji, deterministic. */
export const LONG_TEXT = Array.from({ length: 20_000 }, (_, i) => ['a', 'é', '漢', '😀', 'z', ' '][i % 6]).join('');
export const UNICODE_TEXT = '漢字かな 😀👍🏽 e\u0301 Z\u0308 Ω';

export function describeOdbcSource(fixture: DialectFixture): void {
  let db: ThrowawayDatabase;
  const t = fixture.types;

  beforeAll(async () => {
    db = await fixture.create();
  });
  afterAll(async () => {
    await db?.drop();
  });

  function config(streams: Partial<OdbcStreamConfig>[], extra: Partial<OdbcSourceConfig> = {}): OdbcSourceConfig {
    return OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'pos',
      dialect: fixture.dialect,
      connectionString: db.connectionString,
      timeZone: 'Europe/Berlin',
      streams,
      ...extra,
    });
  }

  async function connected(cfg: OdbcSourceConfig, ctx: MemoryContext): Promise<OdbcSource> {
    const source = new OdbcSource(cfg, ctx);
    await source.connect(signal);
    return source;
  }

  it('pages through 100 rows whose cursor values repeat across page boundaries, every row once', async () => {
    await db.exec(`CREATE TABLE items (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL, label ${t.longText})`);
    // Inserted in a scrambled order so table order is not key order; ten rows share each cursor value.
    const ids = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    await db.exec(`INSERT INTO items VALUES ${ids.map((id) => `(${id}, ${Math.floor(id / 10)}, 'item ${id}')`).join(', ')}`);
    const ctx = memoryContext();
    const cfg = config([{ name: 'items', table: 'items', keyColumns: ['id'], cursorColumn: 'updated', pageRows: 7 }]);
    const source = await connected(cfg, ctx);

    const first = await drain(source, ctx);
    const expectedOrder = [...ids].sort((a, b) => Math.floor(a / 10) - Math.floor(b / 10) || a - b).map(String);
    expect(first.records.map((r) => r.key.id)).toEqual(expectedOrder);
    expect(first.reads.map((r) => r.records.length)).toEqual([...Array<number>(14).fill(7), 2]);
    expect(first.reads.map((r) => r.caughtUp)).toEqual([...Array<boolean>(14).fill(false), true]);
    expect(first.records[0]).toMatchObject({ stream: 'items', op: 'upsert', capturedAt: '2025-01-02T03:04:05.000Z' });
    expect(first.records[0]!.data).toEqual({ id: '1', updated: '0', label: 'item 1' });
    expect(ctx.committed.get('pos/items')).toMatchObject({ cursor: '10', key: ['100'] });

    // New rows at the current maximum cursor value (10) with higher keys, an update, and a later row.
    await db.exec(
      `INSERT INTO items VALUES (101, 10, 'late at max'), (102, 10, 'also at max'), (103, 12, 'newer');
       UPDATE items SET updated = 11, label = 'changed' WHERE id = 5;`,
    );
    const second = await drain(source, ctx);
    expect(second.records.map((r) => r.key.id)).toEqual(['101', '102', '5', '103']);
    expect(second.records[2]!.data).toMatchObject({ label: 'changed', updated: '11' });
    await source.close();

    // A restart resumes from the committed checkpoint: nothing is read twice.
    const restarted = await connected(cfg, ctx);
    expect(await restarted.read(signal)).toBeNull();
    await db.exec(`INSERT INTO items VALUES (104, 12, 'after restart')`);
    const third = await drain(restarted, ctx);
    expect(third.records.map((r) => r.key.id)).toEqual(['104']);
    await restarted.close();
  });

  it('moves only on ack: a page read but never committed is read again after a restart', async () => {
    await db.exec(`CREATE TABLE acks (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL)`);
    await db.exec(`INSERT INTO acks VALUES ${Array.from({ length: 9 }, (_, i) => `(${i + 1}, ${i + 1})`).join(', ')}`);
    const ctx = memoryContext();
    const cfg = config([{ name: 'acks', table: 'acks', keyColumns: ['id'], cursorColumn: 'updated', pageRows: 4 }]);
    const source = await connected(cfg, ctx);
    const page1 = (await source.read(signal))!;
    ctx.commit('pos', page1);
    const page2 = (await source.read(signal))!;
    expect(page2.records.map((r) => r.key.id)).toEqual(['5', '6', '7', '8']);
    // Not acked: the same page again, also from the same source object.
    expect((await source.read(signal))!.records.map((r) => r.key.id)).toEqual(['5', '6', '7', '8']);
    await source.close();

    const restarted = await connected(cfg, ctx);
    const again = await drain(restarted, ctx);
    expect(again.records.map((r) => r.key.id)).toEqual(['5', '6', '7', '8', '9']);
    await restarted.close();
  });

  it('takes turns between streams, one page each, and reports each stream’s lane', async () => {
    await db.exec(
      `CREATE TABLE shifts (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL);
       CREATE TABLE sales (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL);
       INSERT INTO shifts VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5);
       INSERT INTO sales VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5);`,
    );
    const ctx = memoryContext();
    const cfg = config([
      { name: 'shifts', table: 'shifts', keyColumns: ['id'], cursorColumn: 'updated', pageRows: 3, lane: 'urgent' },
      { name: 'sales', table: 'sales', keyColumns: ['id'], cursorColumn: 'updated', pageRows: 3 },
    ]);
    const source = await connected(cfg, ctx);
    const { reads } = await drain(source, ctx);
    expect(reads.map((r) => [r.stream, r.lane, r.records.length, r.caughtUp])).toEqual([
      ['shifts', 'urgent', 3, false],
      ['sales', 'bulk', 3, false],
      ['shifts', 'urgent', 2, false],
      ['sales', 'bulk', 2, true],
    ]);
    await db.exec(`INSERT INTO sales VALUES (6, 6)`);
    const more = await drain(source, ctx);
    expect(more.reads.map((r) => [r.stream, r.records.length, r.caughtUp])).toEqual([['sales', 1, true]]);
    await source.close();
  });

  it('hands over exact numbers, NULL apart from empty text, Unicode, long text, µs timestamps and bytes', async () => {
    await db.exec(
      `CREATE TABLE amounts (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL, amount ${t.decimal20},
        big ${t.bigint}, precise ${t.numeric38}, note ${t.longText}, ts ${t.timestamp}, flag ${t.boolean},
        raw ${t.binary}, day ${t.date})`,
    );
    await db.exec(
      `INSERT INTO amounts VALUES
        (1, 1, 12345678901234567.89, 9223372036854775807, 1234567890123456789012345678.0123456789, 'plain',
         '2024-01-15 08:30:00.123456', TRUE, ${fixture.hexLiteral('00ff10')}, '2024-02-29'),
        (2, 1, -0.01, -9223372036854775808, -0.0000000001, '', '2024-07-15 08:30:00.000001', FALSE,
         ${fixture.hexLiteral('')}, '1999-12-31'),
        (3, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 2, 0, 0, 0, '${UNICODE_TEXT}', '2024-03-31 02:30:00', TRUE, NULL, NULL),
        (5, 3, 1, 1, 1, '${LONG_TEXT}', NULL, NULL, NULL, NULL);`,
    );
    const ctx = memoryContext();
    const cfg = config([{ name: 'amounts', table: 'amounts', keyColumns: ['id'], cursorColumn: 'updated', pageRows: 2 }]);
    const source = await connected(cfg, ctx);
    const { records } = await drain(source, ctx);
    await source.close();
    const data = new Map(records.map((r) => [r.key.id, r.data!]));
    expect([...data.keys()]).toEqual(['1', '2', '3', '4', '5']);

    // Exactly the database's own text, for every exact number.
    const own = await db.query(
      `SELECT ${['amount', 'big', 'precise'].map((c) => fixture.asText(c)).join(', ')} FROM amounts ORDER BY id`,
    );
    own.forEach(([amount, big, precise], i) => {
      expect(data.get(String(i + 1))).toMatchObject({ amount, big, precise });
    });
    expect(data.get('1')!.big).toBe('9223372036854775807');
    expect(data.get('2')!.big).toBe('-9223372036854775808');
    if (fixture.keepsDecimals) {
      expect(data.get('1')).toMatchObject({ amount: '12345678901234567.89', precise: '1234567890123456789012345678.0123456789' });
      expect(data.get('2')).toMatchObject({ amount: '-0.01', precise: '-0.0000000001' });
    }
    expect(data.get('1')).toMatchObject({ note: 'plain', flag: true, raw: 'AP8Q', day: '2024-02-29' });
    expect(data.get('2')).toMatchObject({ note: '', flag: false, raw: '', day: '1999-12-31' });
    expect(data.get('3')).toEqual({
      id: '3', updated: '2', amount: null, big: null, precise: null, note: null, ts: null, flag: null, raw: null, day: null,
    });
    expect(data.get('4')!.note).toBe(UNICODE_TEXT);
    expect(data.get('5')!.note).toBe(LONG_TEXT);
    // Naive timestamps in Europe/Berlin: CET (+01:00) in January, CEST (+02:00) in July, µs kept;
    // 02:30 on 2024-03-31 does not exist there (clocks jump 02:00 → 03:00): the offset before the jump.
    expect(data.get('1')!.ts).toBe('2024-01-15T08:30:00.123456+01:00');
    expect(data.get('2')!.ts).toBe('2024-07-15T08:30:00.000001+02:00');
    expect(data.get('4')!.ts).toMatch(/^2024-03-31T02:30:00(\.0+)?\+01:00$/);
  });

  it('pages on a µs timestamp cursor and on 64-bit cursor values without losing or repeating a row', async () => {
    await db.exec(
      `CREATE TABLE stamps (id ${t.int} PRIMARY KEY, changed ${t.timestamp} NOT NULL, seq ${t.bigint} NOT NULL);
       INSERT INTO stamps VALUES
        (1, '2024-05-01 10:00:00.000001', 9223372036854775801), (2, '2024-05-01 10:00:00.000002', 9223372036854775803),
        (3, '2024-05-01 10:00:00.000002', 9223372036854775802), (4, '2024-05-01 10:00:00.000003', 9223372036854775804),
        (5, '2024-05-01 10:00:00.000004', 9223372036854775806);`,
    );
    const ctx = memoryContext();
    const cfg = config([
      { name: 'by_time', table: 'stamps', keyColumns: ['id'], cursorColumn: 'changed', pageRows: 1 },
      { name: 'by_seq', table: 'stamps', keyColumns: ['id'], cursorColumn: 'seq', pageRows: 1 },
    ]);
    const source = await connected(cfg, ctx);
    const first = await drain(source, ctx);
    const ids = (stream: string) => first.records.filter((r) => r.stream === stream).map((r) => r.key.id);
    expect(ids('by_time')).toEqual(['1', '2', '3', '4', '5']);
    expect(ids('by_seq')).toEqual(['1', '3', '2', '4', '5']);
    const [ownChanged] = (await db.query(`SELECT ${fixture.asText('changed')} FROM stamps WHERE id = 5`))[0]!;
    expect(ctx.committed.get('pos/by_time')).toMatchObject({ cursor: ownChanged, key: ['5'] });
    expect(ctx.committed.get('pos/by_seq')).toMatchObject({ cursor: '9223372036854775806', key: ['5'] });

    // One µs and one unit later: a cursor rounded through a double or a millisecond Date would miss these.
    await db.exec(
      `INSERT INTO stamps VALUES (6, '2024-05-01 10:00:00.000005', 9223372036854775807);
       UPDATE stamps SET changed = '2024-05-01 10:00:00.000005' WHERE id = 1;`,
    );
    const second = await drain(source, ctx);
    expect(second.records.map((r) => [r.stream, r.key.id])).toEqual([
      ['by_time', '1'],
      ['by_seq', '6'],
      ['by_time', '6'],
    ]);
    await source.close();
  });

  it('refuses a missing table or column with a PermanentError that names it (at the first read: connect succeeds)', async () => {
    await db.exec(`CREATE TABLE present (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL)`);
    const ctx = memoryContext();
    const missingTable = new OdbcSource(
      config([{ name: 'ghost', table: 'no_such_table', keyColumns: ['id'], cursorColumn: 'updated' }]),
      ctx,
    );
    await missingTable.connect(signal);
    const tableError = await missingTable.read(signal).then(() => null, (error: unknown) => error);
    await missingTable.close();
    expect(tableError).toBeInstanceOf(PermanentError);
    expect((tableError as PermanentError).code).toBe('odbc_table_missing');
    expect((tableError as PermanentError).message).toContain('"no_such_table"');

    const missingColumn = new OdbcSource(
      config([{ name: 'present', table: 'present', keyColumns: ['id'], cursorColumn: 'modified_at' }]),
      ctx,
    );
    await missingColumn.connect(signal);
    const columnError = await missingColumn.read(signal).then(() => null, (error: unknown) => error);
    await missingColumn.close();
    expect(columnError).toBeInstanceOf(PermanentError);
    expect((columnError as PermanentError).message).toMatch(/no column "modified_at" \(configured as cursorColumn\).*id, updated/);
  });

  it('reports a driver that is not installed as NotConnectedError naming the Debian package', async () => {
    const cfg = config([{ name: 'x', table: 'x', keyColumns: ['id'], cursorColumn: 'id' }], {
      connectionString: db.connectionString.replace(/Driver=\{[^}]*\}/, 'Driver={No Such Driver}'),
    });
    const error = await new OdbcSource(cfg, memoryContext()).connect(signal).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(NotConnectedError);
    expect((error as AgentError).code).toBe('odbc_driver_missing');
    expect((error as AgentError).message).toContain('"No Such Driver"');
    expect((error as AgentError).hint).toMatch(/apt-get install (odbc-postgresql|odbc-mariadb|libsqliteodbc)/);
  });

  const { wrongPort } = fixture;
  if (wrongPort !== undefined) {
    it('reports a wrong server port as NotConnectedError with a hint, and check() explains it', async () => {
      const cfg = config([{ name: 'x', table: 'x', keyColumns: ['id'], cursorColumn: 'id' }], {
        connectionString: wrongPort(db.connectionString),
      });
      const source = new OdbcSource(cfg, memoryContext());
      const error = await source.connect(signal).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(NotConnectedError);
      expect((error as AgentError).code).toBe('odbc_connect_failed');
      expect((error as AgentError).hint).toMatch(/running and reachable at Server=\/Port=/);
      const check = await source.check(signal);
      expect(check.ok).toBe(false);
      expect(check.code).toBe('odbc_connect_failed');
      expect(check.message).toContain('could not connect');
    });
  }

  it('check() names the server and version and says per stream what is readable and what is wrong', async () => {
    await db.exec(
      `CREATE TABLE checked (id ${t.int} PRIMARY KEY, updated ${t.bigint});
       INSERT INTO checked VALUES (1, 1), (2, NULL);`,
    );
    const cfg = config([
      { name: 'checked', table: 'checked', keyColumns: ['id'], cursorColumn: 'updated' },
      { name: 'typo', table: 'chekced', keyColumns: ['id'], cursorColumn: 'updated' },
    ]);
    const result = await new OdbcSource(cfg, memoryContext()).check(signal);
    expect(result.ok).toBe(false);
    expect(result.code).toBe('odbc_table_missing');
    const lines = result.message.split('\n');
    expect(lines[0]).toMatch(/^Connected to (SQLite|PostgreSQL|MariaDB) \d+\.\d+/);
    expect(lines[1]).toMatch(/^Stream "checked": table \S*checked is readable \(2 columns; cursor updated, key id\)\./);
    expect(lines[1]).toContain('some rows have no updated value (NULL)');
    expect(lines[2]).toMatch(/^Stream "typo": .*"chekced" was not found/);

    const good = await new OdbcSource(config([cfg.streams[0]!]), memoryContext()).check(signal);
    expect(good).toMatchObject({ ok: true });
  });
}
