/**
 * Snapshot mode's diff on a large table with 0.1% of its rows changed (updates, deletes, inserts
 * spread over the key range): the time of one round of the real OdbcSource (chunk checksums in the
 * database, bisection into the chunks that differ, leaves read row by row) against
 * `SELECT COUNT(*)` over the same table on the same connection string, interleaved run by run.
 * Every timed round starts from the same manifest (the checkpoint the first round committed) and
 * must find exactly the changes made; the rows it pulled from the database are counted, and so are
 * the bytes its commits would write for the manifest (checkpoint text and new parts).
 */
import type { CheckpointPart, JsonValue, OdbcSourceConfig } from '../../agents/api/index.ts';
import { OdbcSource } from '../../agents/sources/odbc/index.ts';
import { memoryContext } from '../../agents/sources/odbc/test-harness.ts';
import { benchRow, type BenchRow } from '../lib/bench-result.ts';
import { median } from '../lib/median.ts';
import { BENCH_TABLE, benchSourceConfig, createBenchTable, type BenchDialect } from './bench-table.ts';
import { openRawConnection } from './extract-raw.ts';
import { recordingDriver, type RecordedQuery } from './recording-driver.ts';

export interface SnapshotResult {
  row: BenchRow;
  details: Record<string, unknown>;
}

const PRODUCT: Record<BenchDialect, string> = { postgresql: 'PostgreSQL', mariadb: 'MariaDB', sqlite: 'SQLite' };

/** 0.1% of `rows`: half updated, a quarter deleted, a quarter inserted after the last id. */
export function changeSql(dialect: BenchDialect, rows: number): { sql: string; upserts: number; deletes: number } {
  const updates = rows < 7 ? 0 : Math.floor((rows - 7) / 2000) + 1;
  // Exactly the ids 1..rows with id % 4000 = 1234 (10,000 rows: 1234, 5234, 9234).
  const deletes = rows < 1234 ? 0 : Math.floor((rows - 1234) / 4000) + 1;
  const inserts = Math.floor(rows / 4000);
  const concat = dialect === 'mariadb' ? "CONCAT(memo, '!')" : "memo || '!'";
  const insert =
    dialect === 'postgresql'
      ? `INSERT INTO ${BENCH_TABLE} SELECT ${rows} + i, timestamp '2026-01-01', 'new', 1.00, 1, 'inserted', false FROM generate_series(1, ${inserts}) AS i`
      : `INSERT INTO ${BENCH_TABLE} SELECT ${rows} + seq, TIMESTAMP'2026-01-01 00:00:00', 'new', 1.00, 1, 'inserted', false FROM seq_1_to_${inserts}`;
  return {
    sql: `UPDATE ${BENCH_TABLE} SET amount = amount + 1, memo = ${concat} WHERE id % 2000 = 7;
      DELETE FROM ${BENCH_TABLE} WHERE id % 4000 = 1234;
      ${insert};`,
    upserts: updates + inserts,
    deletes,
  };
}

export async function benchSnapshotDiff(
  dialect: Exclude<BenchDialect, 'sqlite'>,
  options: { rows: number; pageRows: number; runs: number; log: (line: string) => void },
): Promise<SnapshotResult> {
  const { rows, pageRows, runs, log } = options;
  const table = await createBenchTable(dialect, rows);
  try {
    const config = benchSourceConfig(table, pageRows, { mode: 'snapshot' });
    const firstStarted = performance.now();
    const first = await snapshotRound(config, undefined);
    const firstSecs = (performance.now() - firstStarted) / 1000;
    if (first.upserts !== rows) throw new Error(`The first snapshot round sent ${first.upserts} of ${rows} rows.`);
    log(`  ${PRODUCT[dialect]}: first snapshot round (the whole table) ${firstSecs.toFixed(1)} s, ${first.commits} commits writing ${mib(first.stateBytes)} of manifest`);
    const change = changeSql(dialect, rows);
    await table.db.exec(change.sql);
    // As a maintained table would be: PostgreSQL's COUNT(*) would otherwise also walk the dead rows.
    await table.db.exec(dialect === 'postgresql' ? `VACUUM ANALYZE ${BENCH_TABLE}` : `ANALYZE TABLE ${BENCH_TABLE}`);

    const diffMs: number[] = [];
    const countMs: number[] = [];
    let pulled = 0;
    let queries = 0;
    let stateBytes = 0;
    for (let run = 0; run < runs; run += 1) {
      const round = await snapshotRound(config, first.saved);
      const { upserts, deletes } = round;
      if (upserts !== change.upserts || deletes !== change.deletes) {
        throw new Error(
          `Run ${run}: the diff found ${upserts} upserts and ${deletes} deletes, expected ${change.upserts} and ${change.deletes}.`,
        );
      }
      diffMs.push(round.ms);
      pulled = round.rowsPulled;
      queries = round.queries;
      stateBytes = round.stateBytes;
      countMs.push(await timeCount(table.db.connectionString));
      log(
        `  ${PRODUCT[dialect]} run ${run + 1}/${runs}: diff ${Math.round(round.ms)} ms (${round.rowsPulled} rows pulled, ${round.queries} queries: ${round.byKind}; ${round.commits} commits writing ${mib(round.stateBytes)} of manifest), COUNT(*) ${Math.round(countMs.at(-1)!)} ms`,
      );
    }
    return {
      row: benchRow({
        metric: `snapshot diff, ${PRODUCT[dialect]} (${rows.toLocaleString('en')} rows, 0.1% changed)`,
        ours: { value: median(diffMs) / 1000, unit: 's' },
        baseline: { label: 'SELECT COUNT(*)', value: median(countMs) / 1000, unit: 's' },
        target: { on: 'ratio', op: '<=', value: 10 },
      }),
      details: {
        dialect,
        rows,
        changed: change.upserts + change.deletes,
        rowsPulled: pulled,
        rowsPulledPercent: Math.round((pulled / rows) * 10000) / 100,
        queries,
        firstRoundSecs: Math.round(firstSecs * 10) / 10,
        firstRoundStateMiB: Math.round((first.stateBytes / 2 ** 20) * 10) / 10,
        diffStateKiB: Math.round(stateBytes / 1024),
        diffMs: diffMs.map(Math.round),
        countMs: countMs.map((ms) => Math.round(ms * 10) / 10),
      },
    };
  } finally {
    await table.db.drop();
  }
}

interface SavedState {
  checkpoint: JsonValue | undefined;
  parts: Map<string, CheckpointPart> | undefined;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 1)} MiB`;
}

/** One snapshot round from a committed state (none: the first round) until the source is caught up. */
async function snapshotRound(config: OdbcSourceConfig, saved: SavedState | undefined) {
  const ctx = memoryContext();
  const stream = config.streams[0]!.name;
  const key = `${config.name}/${stream}`;
  if (saved?.checkpoint !== undefined) ctx.committed.set(key, saved.checkpoint);
  if (saved?.parts !== undefined) ctx.parts.set(key, saved.parts);
  const driver = recordingDriver();
  const source = new OdbcSource(config, ctx, driver);
  const signal = new AbortController().signal;
  await source.connect(signal);
  driver.reset();
  let upserts = 0;
  let deletes = 0;
  let commits = 0;
  /** What the commits write for the stream's state: the checkpoint's JSON and its new parts. */
  let stateBytes = 0;
  const started = performance.now();
  try {
    for (;;) {
      const result = await source.read(signal);
      if (result === null) break;
      for (const record of result.records) {
        if (record.op === 'delete') deletes += 1;
        else upserts += 1;
      }
      commits += 1;
      stateBytes += JSON.stringify(result.checkpoint).length;
      for (const part of result.checkpointParts?.put ?? []) stateBytes += part.text.length + part.data.byteLength;
      ctx.commit(source.name, result);
      if (result.caughtUp) break;
    }
  } finally {
    await source.close();
  }
  return {
    ms: performance.now() - started,
    upserts,
    deletes,
    saved: { checkpoint: ctx.committed.get(key), parts: ctx.parts.get(key) },
    commits,
    stateBytes,
    rowsPulled: driver.queries.reduce((sum, q) => sum + q.rows, 0),
    queries: driver.queries.length,
    byKind: queryKinds(driver.queries),
  };
}

/** Queries, rows and time by what they asked: segment sums, keys and hashes, whole rows. */
function queryKinds(queries: readonly RecordedQuery[]): string {
  const kinds = new Map<string, { queries: number; rows: number; ms: number }>();
  for (const query of queries) {
    // SET/RESET: the planner settings a dialect scopes to its sums queries.
    const kind = /^(SET|RESET) /.test(query.sql) ? 'settings' : query.sql.includes('COUNT(*)') ? 'sums' : query.sql.includes(' AS k, ') ? 'keys' : 'rows';
    const entry = kinds.get(kind) ?? { queries: 0, rows: 0, ms: 0 };
    kinds.set(kind, { queries: entry.queries + 1, rows: entry.rows + query.rows, ms: entry.ms + query.ms });
  }
  return [...kinds].map(([kind, k]) => `${kind} ${k.queries}q/${k.rows}r/${Math.round(k.ms)}ms`).join(', ');
}

async function timeCount(connectionString: string): Promise<number> {
  const connection = await openRawConnection(connectionString);
  try {
    const started = performance.now();
    await connection.query(`SELECT COUNT(*) AS n FROM ${BENCH_TABLE}`);
    return performance.now() - started;
  } finally {
    await connection.close();
  }
}
