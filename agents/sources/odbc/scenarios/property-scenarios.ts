/**
 * Property tests of capture correctness, run against each real database by the
 * `properties.<dialect>.test.ts` files: random interleavings of inserts, updates (also ones that
 * commit late with an older timestamp, and ones at an equal cursor value), deletes (snapshot mode),
 * clock ticks, syncs, restarts and crashes before a commit. After a final sync, the cloud (the
 * outbox delivered in order, with the cloud's version dedupe) must hold exactly the table's final
 * rows, and no committed record may repeat a version already committed.
 *
 * The model gives every write a fresh value, so every row version is distinct and a repeat can only
 * be a needless re-send. Deleted keys are never reused: the cloud's permanent (key, version) dedupe
 * would otherwise take a second delete of one key for the first (see README.md).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { OdbcSourceConfig } from '../../../api/index.ts';
import { OdbcSourceSchema } from '../../../api/index.ts';
import { OdbcSource } from '../odbc-source.ts';
import { useFixtureDatabase, type ModeFixture } from './mode-fixtures.ts';
import { OutboxCloud } from './outbox-cloud.ts';

type Op =
  | { t: 'insert' }
  | { t: 'update'; pick: number }
  | { t: 'late'; pick: number; back: number }
  | { t: 'delete'; pick: number }
  | { t: 'tick'; secs: number }
  | { t: 'sync' }
  | { t: 'restart' }
  | { t: 'crash' };

export interface PropertyOptions {
  numRuns: number;
  seed: number;
  maxOps: number;
  timeoutMs: number;
}

/**
 * A fixed seed and a bounded number of runs (about 10 s per database); `TYA_LONG=1` runs many more,
 * and `TYA_PROPERTY_SEED` explores other interleavings (a failure prints the seed and path to replay).
 */
export const PROPERTY_RUNS: PropertyOptions = {
  numRuns: process.env.TYA_LONG === '1' ? 400 : 30,
  seed: Number(process.env.TYA_PROPERTY_SEED ?? 20_260_301),
  maxOps: 40,
  timeoutMs: process.env.TYA_LONG === '1' ? 1_800_000 : 60_000,
};

const LOOKBACK_SECS = 5;
const BASE_MS = Date.UTC(2024, 0, 1);
const signal = new AbortController().signal;

function operations(mode: 'cursor' | 'snapshot', maxOps: number): fc.Arbitrary<Op[]> {
  const common = [
    { weight: 4, arbitrary: fc.constant<Op>({ t: 'insert' }) },
    { weight: 3, arbitrary: fc.nat().map<Op>((pick) => ({ t: 'update', pick })) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 }).map<Op>((secs) => ({ t: 'tick', secs })) },
    { weight: 2, arbitrary: fc.constant<Op>({ t: 'sync' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ t: 'restart' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ t: 'crash' }) },
  ];
  const byMode =
    mode === 'cursor'
      ? [{ weight: 2, arbitrary: fc.record({ pick: fc.nat(), back: fc.integer({ min: 0, max: LOOKBACK_SECS }) }).map<Op>((o) => ({ t: 'late', ...o })) }]
      : [{ weight: 2, arbitrary: fc.nat().map<Op>((pick) => ({ t: 'delete', pick })) }];
  return fc.array(fc.oneof(...common, ...byMode), { minLength: 1, maxLength: maxOps });
}

function timestampText(secs: number): string {
  return new Date(BASE_MS + secs * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

export function describeCaptureProperties(fixture: ModeFixture, options: PropertyOptions): void {
  const live = useFixtureDatabase(fixture);
  let tables = 0;
  const t = fixture.types;

  async function run(mode: 'cursor' | 'snapshot', ops: Op[]): Promise<void> {
    tables += 1;
    const table = `prop_${mode}_${tables}`;
    await live.writer.exec(`CREATE TABLE ${table} (id ${t.int} PRIMARY KEY, changed ${t.timestamp} NOT NULL, v ${t.bigint} NOT NULL, note ${t.text})`);
    const stream =
      mode === 'cursor'
        ? { name: 'items', table, keyColumns: ['id'], cursorColumn: 'changed', lookbackSecs: LOOKBACK_SECS, pageRows: 3 }
        : { name: 'items', table, keyColumns: ['id'], mode: 'snapshot', pageRows: 3, snapshot: { minChunkRows: 2, maxChunkRows: 8, leafRows: 2 } };
    const config: OdbcSourceConfig = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: fixture.dialect,
      connectionString: live.db.connectionString,
      streams: [stream],
    });
    const cloud = new OutboxCloud();
    const model = new Map<number, { changed: number; v: number }>();
    let now = 0;
    let nextId = 1;
    let nextV = 1;
    const open = async () => {
      const source = new OdbcSource(config, cloud.context);
      await source.connect(signal);
      return source;
    };
    let source = await open();
    const existing = (pick: number) => [...model.keys()][pick % model.size];
    const write = async (id: number, changed: number, update: boolean) => {
      const v = nextV++;
      model.set(id, { changed, v });
      await live.writer.exec(
        update
          ? `UPDATE ${table} SET changed = '${timestampText(changed)}', v = ${v}, note = 'n${v}' WHERE id = ${id}`
          : `INSERT INTO ${table} VALUES (${id}, '${timestampText(changed)}', ${v}, 'n${v}')`,
      );
    };
    try {
      for (const op of ops) {
        switch (op.t) {
          case 'insert':
            await write(nextId++, now, false);
            break;
          case 'update':
            if (model.size > 0) await write(existing(op.pick)!, now, true);
            break;
          case 'late':
            // A transaction stamped up to LOOKBACK_SECS ago that commits only now.
            if (model.size > 0 && op.pick % 2 === 0) await write(existing(op.pick)!, Math.max(0, now - op.back), true);
            else await write(nextId++, Math.max(0, now - op.back), false);
            break;
          case 'delete':
            if (model.size > 0) {
              const id = existing(op.pick)!;
              model.delete(id);
              await live.writer.exec(`DELETE FROM ${table} WHERE id = ${id}`);
            }
            break;
          case 'tick':
            now += op.secs;
            break;
          case 'sync':
            await cloud.drain(source);
            break;
          case 'restart':
            await source.close();
            source = await open();
            break;
          case 'crash': {
            await source.read(signal); // read, never committed
            await source.close();
            source = await open();
            break;
          }
        }
      }
      await cloud.drain(source);
      cloud.deliver();
      const rows = cloud.stream('items');
      const expected = [...model].map(([id, row]) => [String(id), String(row.v), BASE_MS + row.changed * 1000]);
      const actual = [...rows.values()].map(({ data }) => [data.id, data.v, Date.parse(data.changed as string)]);
      const byId = (a: unknown[], b: unknown[]) => Number(a[0]) - Number(b[0]);
      expect(actual.sort(byId)).toEqual(expected.sort(byId));
      expect(cloud.duplicates).toBe(0);
    } finally {
      await source.close();
      cloud.close();
      await live.writer.exec(`DROP TABLE ${table}`);
    }
  }

  for (const mode of ['cursor', 'snapshot'] as const) {
    const what =
      mode === 'cursor'
        ? 'inserts, updates, late commits within lookbackSecs and equal cursor values'
        : 'inserts, updates and deletes';
    it(`${mode} mode: after random ${what}, syncs, restarts and crashes, the cloud holds exactly the final rows, each version sent once`, async () => {
      await fc.assert(
        fc.asyncProperty(operations(mode, options.maxOps), (ops) => run(mode, ops)),
        { numRuns: options.numRuns, seed: options.seed },
      );
    }, options.timeoutMs);
  }
}
