/**
 * Which check the outbox gets before anything in it is trusted (DESIGN.md §4.6, issue 15).
 *
 * A full `quick_check` reads the whole file: 2.4 s at 1 GiB, growing with the backlog, all of it
 * before the first batch. What delivery trusts first is small: the sequence clock and running
 * totals (`meta`), the source checkpoints, the batches (leases) and the stream list. So:
 *
 * - `full` (the default, and whenever a background check found damage before): the whole file at start.
 * - `by-last-stop` (the running agent): the delivery tables at start, `quick_check(table)` each; after
 *   an unclean stop (a `-wal` or `-journal` left behind: SQLite removes the `-wal` when the last
 *   connection closes cleanly, a kill -9 leaves it) the whole file is then checked in the background
 *   (`integrity_check`, background-check.ts), and damage found there stops delivery and raises an alert.
 *   After a clean stop the file was closed consistent by SQLite: the delivery tables only.
 */
import { existsSync } from 'node:fs';
// The driver's type, not open-database.ts's alias: open-database.ts runs this check, so importing it back would make a loop.
import type BetterSqlite3 from 'better-sqlite3';

type SqliteDatabase = BetterSqlite3.Database;

export type StartCheckMode = 'full' | 'by-last-stop';

/** What ran at start, for the log and `Outbox.startCheck`. */
export interface StartCheck {
  lastStop: 'clean' | 'unclean' | 'new';
  /** `delivery-tables`: quick_check of DELIVERY_TABLES; `full`: quick_check of the whole file. */
  ran: 'delivery-tables' | 'full' | 'none';
  /** The whole file still has to be checked, in the background. */
  backgroundNeeded: boolean;
  /** Why the full check ran at start although the mode was `by-last-stop`. */
  forcedBy?: 'damage-found-before';
  ms: number;
}

/** An outbox opened without a check of its own (read-only, for `status`). */
export const NO_START_CHECK: StartCheck = { lastStop: 'clean', ran: 'none', backgroundNeeded: false, ms: 0 };

/** The tables delivery reads and writes before anything else: seq clock and totals, checkpoints, leases, streams. */
export const DELIVERY_TABLES = ['meta', 'checkpoints', 'batches', 'streams'] as const;

/** agent_state key set when a background check found damage: the next start checks everything first. */
export const FULL_CHECK_REQUIRED_KEY = 'outbox_full_check_required';

export function lastStopOf(path: string): StartCheck['lastStop'] {
  if (!existsSync(path)) return 'new';
  return existsSync(`${path}-wal`) || existsSync(`${path}-journal`) ? 'unclean' : 'clean';
}

/**
 * Runs the start check on a read-only connection; returns SQLite's findings (null when sound) and
 * what ran. Errors that are corruption count as findings; others are thrown.
 */
export function runStartCheck(
  db: SqliteDatabase,
  mode: StartCheckMode,
  lastStop: StartCheck['lastStop'],
): { problem: string | null; check: StartCheck } {
  const started = performance.now();
  const done = (problem: string | null, check: Omit<StartCheck, 'ms' | 'lastStop'>) => ({
    problem,
    check: { lastStop, ...check, ms: Math.round(performance.now() - started) },
  });
  let forced: boolean;
  try {
    forced = mode === 'by-last-stop' && fullCheckRequired(db);
  } catch (error) {
    // Damage where the flag lives: the whole file is checked below.
    forced = corruptionMessage(error) !== null;
    if (!forced) throw error;
  }
  if (mode === 'full' || forced) {
    return done(
      checked(() => db.pragma('quick_check') as CheckRow[]),
      {
        ran: 'full',
        backgroundNeeded: false,
        ...(forced ? { forcedBy: 'damage-found-before' as const } : {}),
      },
    );
  }
  const present = new Set(db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all());
  for (const table of DELIVERY_TABLES) {
    if (!present.has(table)) continue;
    const problem = checked(() => db.pragma(`quick_check(${table})`) as CheckRow[]);
    if (problem !== null) return done(problem, { ran: 'delivery-tables', backgroundNeeded: false });
  }
  return done(null, { ran: 'delivery-tables', backgroundNeeded: lastStop === 'unclean' });
}

/** A check's findings; a check that fails on damage itself (SQLITE_CORRUPT) is a finding too. */
function checked(run: () => CheckRow[]): string | null {
  try {
    return okOrFindings(run());
  } catch (error) {
    const message = corruptionMessage(error);
    if (message === null) throw error;
    return message;
  }
}

function corruptionMessage(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  const corrupt = typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
  return corrupt ? (error as Error).message : null;
}

type CheckRow = Record<string, string>;

/** SQLite answers one row 'ok', or one row per finding. */
export function okOrFindings(rows: CheckRow[]): string | null {
  const lines = rows.map((row) => String(Object.values(row)[0]));
  return lines.length === 1 && lines[0] === 'ok' ? null : lines.join('\n');
}

function fullCheckRequired(db: SqliteDatabase): boolean {
  const hasState = db
    .prepare<[], number>("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'agent_state'")
    .pluck()
    .get();
  if (hasState === undefined) return false;
  return (
    db.prepare<[string], number>('SELECT 1 FROM agent_state WHERE key = ?').pluck().get(FULL_CHECK_REQUIRED_KEY) !==
    undefined
  );
}
