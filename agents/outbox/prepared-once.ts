/**
 * Statements compiled once per connection, for the queries that run every second while the agent
 * is idle (status for the tray and the command tunnel, the dashboard's activity check, delivery's
 * idle look at the queue). better-sqlite3's `prepare` compiles the SQL on every call; in the idle
 * footprint bench that compiling was the largest single cost (about a fifth of the agent's CPU).
 *
 * Only for statements used the same way at every call site: a statement's pluck mode is set here,
 * once, and a cached statement must not be run again while one of its iterators is open (these
 * are all `get`/`all`/`run`).
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open-database.ts';

const byDatabase = new WeakMap<SqliteDatabase, Map<string, Statement<unknown[], unknown>>>();

export function preparedOnce<P extends unknown[], R = unknown>(
  db: SqliteDatabase,
  sql: string,
  mode: 'rows' | 'pluck' = 'rows',
): Statement<P, R> {
  let cache = byDatabase.get(db);
  if (cache === undefined) byDatabase.set(db, (cache = new Map<string, Statement<unknown[], unknown>>()));
  const key = `${mode}\u0000${sql}`;
  let statement = cache.get(key);
  if (statement === undefined) {
    statement = db.prepare(sql);
    if (mode === 'pluck') statement.pluck();
    cache.set(key, statement);
  }
  return statement as unknown as Statement<P, R>;
}
