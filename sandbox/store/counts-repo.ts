import type Database from 'better-sqlite3';
import type { Counts } from '../admin-schemas.ts';
import type { BatchRepo } from './batch-repo.ts';

/** Exact counters for tests: requests by endpoint and status, and totals over what was stored. */
export class CountsRepo {
  readonly #db: Database.Database;
  readonly #batches: BatchRepo;

  constructor(db: Database.Database, batches: BatchRepo) {
    this.#db = db;
    this.#batches = batches;
  }

  countRequest(endpoint: string, status: string): void {
    this.#db
      .prepare(
        `INSERT INTO request_counts (endpoint, status, n) VALUES (?, ?, 1)
         ON CONFLICT (endpoint, status) DO UPDATE SET n = n + 1`,
      )
      .run(endpoint, status);
  }

  counts(): Counts {
    const requests: Counts['requests'] = {};
    const rows = this.#db.prepare('SELECT endpoint, status, n FROM request_counts ORDER BY endpoint, status').all() as {
      endpoint: string;
      status: string;
      n: number;
    }[];
    for (const row of rows) (requests[row.endpoint] ??= {})[row.status] = row.n;
    const totals = this.#db
      .prepare(
        `SELECT COUNT(*) AS batches, COALESCE(SUM(accepted), 0) AS accepted, COALESCE(SUM(duplicates), 0) AS duplicates,
           COALESCE(SUM(stale), 0) AS stale, COALESCE(SUM(rejected), 0) AS rejected, COALESCE(SUM(retransmissions), 0) AS retransmissions FROM batches`,
      )
      .get() as {
      batches: number;
      accepted: number;
      duplicates: number;
      stale: number;
      rejected: number;
      retransmissions: number;
    };
    const single = (sql: string) => (this.#db.prepare(sql).get() as { n: number }).n;
    return {
      requests,
      batchesApplied: totals.batches,
      recordsAccepted: totals.accepted,
      duplicates: totals.duplicates,
      stale: totals.stale,
      rejected: totals.rejected,
      retransmissions: totals.retransmissions,
      streams: this.#batches.streamCounts(),
      files: single('SELECT COUNT(*) AS n FROM files'),
      heartbeats: single('SELECT COUNT(*) AS n FROM heartbeats'),
      agents: single('SELECT COUNT(*) AS n FROM agents'),
    };
  }
}
