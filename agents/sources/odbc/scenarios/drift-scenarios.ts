/**
 * Schema drift, written once and run against each real database by the `drift.<dialect>.test.ts`
 * files: a column renamed, dropped, retyped or added and a table dropped, each on one stream while
 * another stream of the same source keeps delivering.
 */
import { expect, it } from 'vitest';
import type { OdbcSourceConfig, SourceRecord } from '../../../api/index.ts';
import { OdbcSourceSchema } from '../../../api/index.ts';
import { AgentError, BackOffError, PermanentError } from '../../../pipeline/errors.ts';
import { OdbcSource } from '../odbc-source.ts';
import { drain, memoryContext } from '../test-harness.ts';
import type { MemoryContext } from '../test-harness.ts';
import { useFixtureDatabase, type ModeFixture } from './mode-fixtures.ts';

const signal = new AbortController().signal;

interface Outcome {
  records: SourceRecord[];
  error: AgentError | null;
}

/** Reads and commits like the engine until the source is caught up or reports an error. */
async function readUntilReport(source: OdbcSource, ctx: MemoryContext): Promise<Outcome> {
  const records: SourceRecord[] = [];
  for (let i = 0; i < 100; i += 1) {
    let result;
    try {
      result = await source.read(signal);
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      return { records, error };
    }
    if (result === null) return { records, error: null };
    ctx.commit(source.name, result);
    records.push(...result.records);
  }
  throw new Error('the source kept reading');
}

const keys = (records: SourceRecord[], stream: string) => records.filter((r) => r.stream === stream).map((r) => r.key.id);

export function describeSchemaDrift(fixture: ModeFixture): void {
  const live = useFixtureDatabase(fixture);
  let table = 0;
  const t = fixture.types;

  /** A source with a stream on a table that will change and one on a table that will not. */
  async function twoStreams(mode: 'cursor' | 'snapshot') {
    table += 1;
    const changing = `ledger_${table}`;
    const steady = `steady_${table}`;
    const columns = `id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL, note ${t.text}, amount ${t.decimal}`;
    await live.writer.exec(
      `CREATE TABLE ${changing} (${columns})`,
      `CREATE TABLE ${steady} (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL)`,
      `INSERT INTO ${changing} VALUES (1, 1, 'one', 1.25), (2, 2, 'two', 2.50)`,
      `INSERT INTO ${steady} VALUES (1, 1)`,
    );
    const stream = (name: string, tableName: string) =>
      mode === 'cursor'
        ? { name, table: tableName, keyColumns: ['id'], cursorColumn: 'updated' }
        : { name, table: tableName, keyColumns: ['id'], mode: 'snapshot' };
    const config: OdbcSourceConfig = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: fixture.dialect,
      connectionString: live.db.connectionString,
      streams: [stream('changing', changing), stream('steady', steady)],
    });
    const ctx = memoryContext();
    const source = new OdbcSource(config, ctx);
    await source.connect(signal);
    expect((await drain(source, ctx)).records).toHaveLength(3);
    return { source, ctx, config, changing, steady, columns };
  }

  const drifts = [
    { kind: 'renamed', change: (c: string) => [`ALTER TABLE ${c} RENAME COLUMN note TO memo`], says: /column "note" was renamed to "memo"/ },
    { kind: 'dropped', change: (c: string) => [`ALTER TABLE ${c} DROP COLUMN note`], says: /column "note" \(\w+\) was dropped/ },
    {
      kind: 'retyped',
      change: (c: string, columns: string) => fixture.retype(c, 'amount', t.wideDecimal, columns),
      says: /column "amount" changed type from \w+\(12,2\) to \w+\(14,4\)/i,
    },
    { kind: 'table dropped', change: (c: string) => [`DROP TABLE ${c}`], says: /table \S*ledger_\d+ no longer exists/ },
  ];

  for (const drift of drifts) {
    for (const mode of ['cursor', 'snapshot'] as const) {
      it(`${mode} mode: a ${drift.kind} column or table stops that stream with schema_drift; the other stream keeps running`, async () => {
        const { source, ctx, changing, steady, columns } = await twoStreams(mode);
        await live.writer.exec(...drift.change(changing, columns), `INSERT INTO ${steady} VALUES (2, 2)`);
        const first = await readUntilReport(source, ctx);
        expect(keys(first.records, 'steady')).toEqual(['2']);
        expect(keys(first.records, 'changing')).toEqual([]);
        expect(first.error).toBeInstanceOf(BackOffError);
        expect(first.error!.code).toBe('schema_drift');
        expect(first.error!.message).toMatch(drift.says);
        expect(first.error!.message).toContain(`stream "changing"`);
        expect(first.error!.message).toContain(changing);
        expect((first.error!.cause as Error)).toBeInstanceOf(PermanentError);
        // The steady stream still runs, pass after pass; the stopped one is reported each time.
        await live.writer.exec(`INSERT INTO ${steady} VALUES (3, 3)`);
        const second = await readUntilReport(source, ctx);
        expect(keys(second.records, 'steady')).toEqual(['3']);
        expect(second.error?.code).toBe('schema_drift');
        expect(ctx.committed.get(`erp/changing`)).toBeDefined();
        await source.close();
      });
    }
  }

  it('an added column is read from then on, without stopping the stream', async () => {
    const { source, ctx, changing } = await twoStreams('cursor');
    await live.writer.exec(`ALTER TABLE ${changing} ADD COLUMN extra ${t.text}`, `INSERT INTO ${changing} VALUES (3, 3, 'three', 3.75, 'new')`);
    const outcome = await readUntilReport(source, ctx);
    expect(outcome.error).toBeNull();
    // Row 2 holds the newest cursor value read before, so it is read again; its content now has
    // the new column, so it goes once more. Row 1 is not read again.
    expect(outcome.records.map((r) => r.data)).toEqual([
      { id: '2', updated: '2', note: 'two', amount: '2.5' + (fixture.dialect === 'sqlite' ? '' : '0'), extra: null },
      { id: '3', updated: '3', note: 'three', amount: '3.75', extra: 'new' },
    ]);
    expect(ctx.committed.get('erp/changing')).toMatchObject({ columns: expect.arrayContaining([['extra', expect.any(String)]]) as unknown });
    await source.close();
  });

  it('a change made while the agent was stopped is noticed at the next start, from the checkpoint', async () => {
    const { source, ctx, config, changing, steady } = await twoStreams('cursor');
    await source.close();
    await live.writer.exec(`ALTER TABLE ${changing} RENAME COLUMN note TO memo`, `INSERT INTO ${steady} VALUES (2, 2)`);
    const restarted = new OdbcSource(config, ctx);
    await restarted.connect(signal);
    const outcome = await readUntilReport(restarted, ctx);
    expect(keys(outcome.records, 'steady')).toEqual(['2']);
    expect(outcome.error?.code).toBe('schema_drift');
    expect(outcome.error?.message).toMatch(/column "note" was renamed to "memo"/);
    await restarted.close();
  });

  it('a stopped stream runs again once its table is as it was planned', async () => {
    const { source, ctx, changing } = await twoStreams('cursor');
    await live.writer.exec(`ALTER TABLE ${changing} RENAME COLUMN note TO memo`);
    expect((await readUntilReport(source, ctx)).error?.code).toBe('schema_drift');
    await live.writer.exec(`ALTER TABLE ${changing} RENAME COLUMN memo TO note`, `INSERT INTO ${changing} VALUES (3, 3, 'back', 0)`);
    const outcome = await readUntilReport(source, ctx);
    expect(outcome.error).toBeNull();
    expect(keys(outcome.records, 'changing')).toEqual(['3']);
    await source.close();
  });

  it('with a single stream, drift is the stream’s own PermanentError', async () => {
    table += 1;
    const only = `alone_${table}`;
    await live.writer.exec(`CREATE TABLE ${only} (id ${t.int} PRIMARY KEY, updated ${t.bigint} NOT NULL, note ${t.text})`, `INSERT INTO ${only} VALUES (1, 1, 'x')`);
    const ctx = memoryContext();
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: fixture.dialect,
      connectionString: live.db.connectionString,
      streams: [{ name: 'alone', table: only, keyColumns: ['id'], cursorColumn: 'updated' }],
    });
    const source = new OdbcSource(config, ctx);
    await source.connect(signal);
    await drain(source, ctx);
    await live.writer.exec(`ALTER TABLE ${only} DROP COLUMN note`);
    const outcome = await readUntilReport(source, ctx);
    expect(outcome.error).toBeInstanceOf(PermanentError);
    expect(outcome.error).toMatchObject({ code: 'schema_drift' });
    expect(outcome.error!.hint).toMatch(/resync the stream/);
    await source.close();
  });
}
