/**
 * One agent per data folder (issue 9, item 2): an exclusive lock taken when an agent opens its data
 * folder, before the outbox, so a second `run` exits at once and never touches the first one's
 * queue or control file.
 *
 * Why an SQLite lock file rather than a PID file: the lock is an OS file lock (fcntl on Linux and
 * macOS, LockFileEx on Windows) that the kernel drops when the holding process dies, however it
 * dies. A kill -9 therefore leaves nothing to clean up and nothing to guess: no liveness check, no
 * PID-reuse race (a PID file's dead owner's number can belong to an unrelated process by the time
 * it is checked). better-sqlite3 is already a dependency, and SQLite does the locking portably.
 * The file also records who holds it (pid, command, start time) so the refusal can name the
 * holder; that record is informational only, the lock alone decides.
 *
 * How: the holder keeps a write transaction open (`BEGIN IMMEDIATE`: SQLite's RESERVED lock) for
 * its whole life. Others can still read the holder record (readers take SHARED, which RESERVED
 * allows) but cannot begin a write transaction. The holder writes its record and commits before it
 * takes the long-lived lock, and checks after taking it that the committed record is its own, so
 * a refusal never names a stale holder.
 *
 * Caveats: POSIX locks drop when the holding process closes ANY descriptor of the file, so nothing
 * in the agent process may open `agent.lock` itself (SQLite's own connections are safe: it keeps
 * their descriptors open while locks are held). Network file systems may not honour the lock: keep
 * the data folder on a local disk.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentError } from '../pipeline/errors.ts';

export const LOCK_FILE_NAME = 'agent.lock';

/** Who holds a data folder. */
export interface LockHolder {
  pid: number;
  /** What the holder runs: `run`, `sync`, … */
  command: string;
  startedAt: string;
  hostname: string;
}

/** Another process holds the data folder; `holder` says who (null when it could not be read). */
export class DataDirBusyError extends AgentError {
  readonly holder: LockHolder | null;
  constructor(dataDir: string, holder: LockHolder | null) {
    const who =
      holder === null
        ? 'another tya-agent process'
        : `another tya-agent process (pid ${holder.pid}, "tya-agent ${holder.command}", started ${holder.startedAt}${holder.hostname === hostname() ? '' : ` on ${holder.hostname}`})`;
    super(
      'data_dir_busy',
      `The data folder ${dataDir} is in use by ${who}. Only one agent may use a data folder at a time.`,
      {
        hint:
          holder?.command === 'run'
            ? '"tya-agent status", "tya-agent sync" and "tya-agent dlq …" talk to the running agent; stop it first (Ctrl-C, SIGTERM or the service manager) if you meant to start a new one.'
            : 'Wait for that command to finish, or stop it, then try again.',
      },
    );
    this.holder = holder;
  }
}

/** After the holder's record is written, how often we re-take the lock if someone slipped in between. */
const CLAIM_ATTEMPTS = 5;
/** A probe (`status`) holds the lock for microseconds: a starting agent waits this long before refusing. */
const CONTENDED_WAIT_MS = 1_000;

export function lockFilePath(dataDir: string): string {
  return path.join(dataDir, LOCK_FILE_NAME);
}

export class DataDirLock {
  readonly dataDir: string;
  #db: Database.Database | null;

  private constructor(dataDir: string, db: Database.Database) {
    this.dataDir = dataDir;
    this.#db = db;
  }

  /** Takes the data folder for this process, or throws DataDirBusyError naming the holder. */
  static acquire(dataDir: string, command: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = openLockFile(lockFilePath(dataDir));
    try {
      const token = randomBytes(16).toString('hex');
      const me = { pid: process.pid, command, startedAt: new Date().toISOString(), hostname: hostname(), token };
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        if (!tryBegin(db, CONTENDED_WAIT_MS)) throw new DataDirBusyError(dataDir, readHolder(db));
        const current = db.prepare<[], { token: string }>('SELECT token FROM holder WHERE id = 1').get();
        if (current?.token === token) return new DataDirLock(dataDir, db);
        db.prepare(
          `INSERT INTO holder (id, pid, command, started_at, hostname, token) VALUES (1, @pid, @command, @startedAt, @hostname, @token)
           ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, command = excluded.command, started_at = excluded.started_at,
             hostname = excluded.hostname, token = excluded.token`,
        ).run(me);
        db.pragma('busy_timeout = 2000');
        db.exec('COMMIT');
      }
      throw new DataDirBusyError(dataDir, readHolder(db));
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Who holds the data folder, or null when nobody does. Takes and drops the lock for an instant
   * when it is free (a starting agent waits that out).
   */
  static probe(dataDir: string): LockHolder | null {
    const file = lockFilePath(dataDir);
    if (!existsSync(file)) return null;
    const db = openLockFile(file);
    try {
      if (tryBegin(db, 0)) {
        db.exec('ROLLBACK');
        return null;
      }
      return readHolder(db) ?? { pid: 0, command: 'unknown', startedAt: '', hostname: hostname() };
    } finally {
      db.close();
    }
  }

  get held(): boolean {
    return this.#db !== null;
  }

  /** Lets the next agent in. Dying does the same. */
  release(): void {
    const db = this.#db;
    this.#db = null;
    if (db === null) return;
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  }
}

function openLockFile(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0 });
  } catch (error) {
    throw new AgentError('data_dir_unusable', `Could not open the lock file ${file}: ${(error as Error).message}.`, {
      hint: "The agent's user needs write access to its data folder.",
      cause: error,
    });
  }
  try {
    // The default rollback journal: WAL would need a -shm file and changes nothing for a lock.
    db.pragma('busy_timeout = 2000');
    db.exec(`CREATE TABLE IF NOT EXISTS holder (
      id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, command TEXT NOT NULL,
      started_at TEXT NOT NULL, hostname TEXT NOT NULL, token TEXT NOT NULL)`);
  } catch (error) {
    // CREATE on a held, not yet initialised file: the holder is creating it; treat as busy below.
    if (!isBusy(error)) {
      db.close();
      throw error;
    }
  }
  return db;
}

/** BEGIN IMMEDIATE, waiting up to `waitMs` for a momentary holder; false when held. */
function tryBegin(db: Database.Database, waitMs: number): boolean {
  db.pragma(`busy_timeout = ${Math.trunc(waitMs)}`);
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if (isBusy(error)) return false;
    throw error;
  }
}

function readHolder(db: Database.Database): LockHolder | null {
  try {
    db.pragma('busy_timeout = 1000');
    const row = db
      .prepare<[], { pid: number; command: string; started_at: string; hostname: string }>(
        'SELECT pid, command, started_at, hostname FROM holder WHERE id = 1',
      )
      .get();
    return row === undefined
      ? null
      : { pid: row.pid, command: row.command, startedAt: row.started_at, hostname: row.hostname };
  } catch {
    return null;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
