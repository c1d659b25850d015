/**
 * Opens the outbox's SQLite file with the settings its guarantees rest on (DESIGN.md §4.6): WAL,
 * the configured fsync level, foreign keys, and a `quick_check` before anything is trusted. A
 * damaged file is never silently replaced: it is moved aside under a name that says when, and the
 * caller is told so it can raise an alert.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AgentError } from '../pipeline/errors.ts';
import { lastStopOf, runStartCheck, type StartCheck, type StartCheckMode } from './start-check.ts';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
  /** For the name of a moved-aside corrupt file. */
  now: () => number;
  busyTimeoutMs?: number;
  /** Caps the file at this many pages; tests use it to provoke SQLITE_FULL without filling a disk. */
  maxPageCount?: number;
  /** What to check before the file is trusted (start-check.ts); default `full`. */
  startCheck?: StartCheckMode;
}

export interface OpenedDatabase {
  db: SqliteDatabase;
  /** `problem`: what SQLite reported, for the alert. */
  recoveredFromCorruption: { movedTo: string; problem: string } | null;
  /** What was checked at start (of the file as found, before any move aside). */
  check: StartCheck;
}

const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  try {
    return openOrRecover(options);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('SQLITE_')) throw error;
    throw new AgentError(
      'outbox_unavailable',
      `Could not open the outbox ${options.path}: ${(error as Error).message}.`,
      {
        hint: "Check that the data folder exists, is writable by the agent's user, and that the disk has free space.",
        cause: error,
      },
    );
  }
}

function openOrRecover(options: OpenDatabaseOptions): OpenedDatabase {
  mkdirSync(dirname(options.path), { recursive: true });
  const lastStop = lastStopOf(options.path);
  const found =
    lastStop === 'new'
      ? { problem: null, check: { lastStop, ran: 'none' as const, backgroundNeeded: false, ms: 0 } }
      : checkReadonly(options.path, options.startCheck ?? 'full', lastStop);
  let problem = found.problem;
  let movedTo: string | null = null;
  for (;;) {
    if (problem !== null) movedTo = moveAside(options.path, options.now());
    const db = new Database(options.path);
    try {
      configure(db, options);
      // A file moved aside was replaced by a new one: nothing is left to check in the background.
      const check = movedTo === null ? found.check : { ...found.check, backgroundNeeded: false };
      return { db, check, recoveredFromCorruption: movedTo === null ? null : { movedTo, problem: problem ?? '' } };
    } catch (error) {
      db.close();
      // The check passed but setting up failed on damage after all: move aside once, never loop.
      if (!isCorruptionError(error) || movedTo !== null) throw error;
      problem = (error as Error).message;
    }
  }
}

/**
 * The start check (start-check.ts) on a read-only connection: closing it never checkpoints, so a
 * damaged file and its -wal are moved aside exactly as found. `problem`: SQLite's findings, or null
 * when what was checked is sound.
 */
function checkReadonly(
  path: string,
  mode: StartCheckMode,
  lastStop: StartCheck['lastStop'],
): { problem: string | null; check: StartCheck } {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return runStartCheck(db, mode, lastStop);
  } catch (error) {
    if (isCorruptionError(error)) {
      const ran = mode === 'full' ? 'full' : 'delivery-tables';
      return { problem: (error as Error).message, check: { lastStop, ran, backgroundNeeded: false, ms: 0 } };
    }
    throw error;
  } finally {
    db?.close();
  }
}

/** A read-only connection for `status` while no agent runs: no pragmas that write, no migrations. */
export function openDatabaseReadonly(path: string): SqliteDatabase {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

export function isCorruptionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

function configure(db: SqliteDatabase, options: OpenDatabaseOptions): void {
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
}

/** `<path>.corrupt-<UTC timestamp>`, with its -wal/-shm beside it so it can still be opened for support. */
function moveAside(path: string, nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  let movedTo = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(movedTo); n += 1) movedTo = `${path}.corrupt-${stamp}-${n}`;
  renameSync(path, movedTo);
  for (const suffix of SIDE_FILES) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
  return movedTo;
}
