/**
 * The raw baseline of the extraction benchmark: the npm `odbc` package alone, on the same
 * connection string, running the same page queries the source ran (learned from a recorded run:
 * the session setup, the first page, the "after" page) in a plain keyset loop whose parameters come
 * from the last row of the previous page, exactly as the source's did, with the same first buffer per
 * long-varchar cell as the source's dialect (or the package's default, to show what that costs). It
 * touches every value (so nothing is skipped lazily) and converts nothing.
 */
import { cpuMsSince } from './extract-ours.ts';
import type { RecordedQuery } from './recording-driver.ts';

export interface RawPlan {
  setup: string[];
  firstSql: string;
  afterSql: string;
  /** For each parameter of the "after" query, the result alias of the previous page's last row it comes from. */
  parameterAliases: string[];
  pageRows: number;
  /** The first buffer per long-varchar cell, as the source's dialect sets it; undefined: the package's 1 MiB. */
  initialBufferSize?: number;
}

export interface RawRun {
  rows: number;
  pages: number;
  ms: number;
  /** CPU time of the process while reading (see extract-ours.ts). */
  cpuMs: number;
  /** Characters of all values, so the work cannot be optimised away. */
  chars: number;
}

interface RawConnection {
  query(sql: string, parameters?: string[], options?: { initialBufferSize?: number }): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/** From a recorded run of the source: its page queries over `table` and where their parameters come from. */
export function rawPlanFrom(
  queries: readonly RecordedQuery[],
  table: string,
  pageRows: number,
  initialBufferSize?: number,
): RawPlan {
  const from = new RegExp(`\\sFROM\\s+\\S*\\b${table}\\b`);
  const pages = queries.filter((q) => q.sql.startsWith('SELECT ') && from.test(q.sql) && q.sql.includes(' ORDER BY '));
  const first = pages[0];
  const second = pages[1];
  if (first === undefined || second === undefined || first.lastRow === null) {
    throw new Error(
      `The recorded run has ${pages.length} page queries over ${table}; at least two full pages are needed.`,
    );
  }
  const row = first.lastRow;
  const parameterAliases = second.parameters.map((value) => {
    const alias = Object.keys(row).find((name) => cellString(row[name]) === value);
    if (alias === undefined) throw new Error(`No column of the first page's last row holds the parameter ${value}.`);
    return alias;
  });
  const setup = queries.filter((q) => /^SET\s/i.test(q.sql)).map((q) => q.sql);
  const plan: RawPlan = { setup, firstSql: first.sql, afterSql: second.sql, parameterAliases, pageRows };
  return initialBufferSize === undefined ? plan : { ...plan, initialBufferSize };
}

export async function openRawConnection(connectionString: string): Promise<RawConnection> {
  // odbc finds its binary with node-pre-gyp, which parses process.argv as its own (the agent does the same).
  const argv = process.argv;
  process.argv = argv.slice(0, 2);
  let odbc;
  try {
    odbc = (await import('odbc')).default;
  } finally {
    process.argv = argv;
  }
  return await odbc.connect(connectionString);
}

/** A cell as the text a parameter would carry (cells of the source's queries are text or integers). */
function cellString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

export async function extractRaw(connectionString: string, plan: RawPlan): Promise<RawRun> {
  const connection = await openRawConnection(connectionString);
  try {
    for (const sql of plan.setup) await connection.query(sql);
    let rows = 0;
    let pages = 0;
    let chars = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const options = plan.initialBufferSize === undefined ? {} : { initialBufferSize: plan.initialBufferSize };
    let result = await connection.query(plan.firstSql, undefined, options);
    for (;;) {
      pages += 1;
      rows += result.length;
      for (const row of result)
        for (const value of Object.values(row)) chars += typeof value === 'string' ? value.length : 1;
      const last = result.at(-1);
      if (result.length < plan.pageRows || last === undefined) break;
      result = await connection.query(
        plan.afterSql,
        plan.parameterAliases.map((alias) => cellString(last[alias]) ?? ''),
        options,
      );
    }
    return { rows, pages, ms: performance.now() - started, cpuMs: cpuMsSince(cpu), chars };
  } finally {
    await connection.close();
  }
}
