/**
 * The source's ODBC driver with a log: every query the source sends (SQL, parameters, rows it got
 * back, the last row). The extraction benchmark learns from it the exact page queries the raw
 * baseline must run, and the snapshot benchmark counts the rows a diff pulled from the database.
 */
import { nodeOdbcDriver, type OdbcDriver } from '../../agents/sources/odbc/index.ts';

export interface RecordedQuery {
  sql: string;
  parameters: string[];
  rows: number;
  lastRow: Record<string, unknown> | null;
  /** Wall time of the query, fetch included. */
  ms: number;
}

export interface RecordingDriver extends OdbcDriver {
  readonly queries: RecordedQuery[];
  /** Forgets what was recorded so far (e.g. the connect-time catalog queries). */
  reset(): void;
}

export function recordingDriver(inner: OdbcDriver = nodeOdbcDriver): RecordingDriver {
  const queries: RecordedQuery[] = [];
  return {
    queries,
    reset: () => {
      queries.length = 0;
    },
    async connect(options) {
      const connection = await inner.connect(options);
      return {
        async query(sql, parameters) {
          const started = performance.now();
          const rows = await connection.query(sql, parameters);
          const ms = performance.now() - started;
          queries.push({ sql, parameters: [...(parameters ?? [])], rows: rows.length, lastRow: rows.at(-1) ?? null, ms });
          return rows;
        },
        close: () => connection.close(),
      };
    },
  };
}
