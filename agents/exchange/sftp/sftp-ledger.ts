/**
 * What was fetched from and pushed to SFTP servers, in `<dataDir>/sftp-exchange.sqlite`: a file is
 * never fetched twice by (server, path, size, mtime), nor imported twice by content hash even when the
 * bank renames or touches it; a push is done once per (target, sha256).
 */
import Database from 'better-sqlite3';
import path from 'node:path';

export interface FetchedFile {
  server: string;
  remotePath: string;
  size: number;
  mtime: number;
  sha256: string;
  localName: string;
  fetchedAt: string;
  /** keep / moved / deleted: what was done on the server after import. */
  afterImport: string | null;
}

export interface PushedFile {
  target: string;
  sha256: string;
  name: string;
  remotePath: string;
  pushedAt: string;
}

export class SftpLedger {
  readonly #db: Database.Database;

  constructor(dataDir: string) {
    this.#db = new Database(path.join(dataDir, 'sftp-exchange.sqlite'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS fetched (
        server TEXT NOT NULL, remote_path TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
        sha256 TEXT NOT NULL, local_name TEXT NOT NULL, fetched_at TEXT NOT NULL, after_import TEXT,
        PRIMARY KEY (server, remote_path, size, mtime));
      CREATE INDEX IF NOT EXISTS fetched_hash ON fetched (server, sha256);
      CREATE TABLE IF NOT EXISTS pushed (
        target TEXT NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL, remote_path TEXT NOT NULL,
        pushed_at TEXT NOT NULL, PRIMARY KEY (target, sha256));`);
  }

  seen(server: string, remotePath: string, size: number, mtime: number): boolean {
    return (
      this.#db.prepare('SELECT 1 FROM fetched WHERE server = ? AND remote_path = ? AND size = ? AND mtime = ?').get(server, remotePath, size, mtime) !==
      undefined
    );
  }

  hasHash(server: string, sha256: string): boolean {
    return this.#db.prepare('SELECT 1 FROM fetched WHERE server = ? AND sha256 = ?').get(server, sha256) !== undefined;
  }

  recordFetched(file: Omit<FetchedFile, 'afterImport'>): void {
    this.#db
      .prepare('INSERT OR IGNORE INTO fetched VALUES (?, ?, ?, ?, ?, ?, ?, NULL)')
      .run(file.server, file.remotePath, file.size, file.mtime, file.sha256, file.localName, file.fetchedAt);
  }

  fetched(): FetchedFile[] {
    const rows = this.#db.prepare('SELECT * FROM fetched ORDER BY fetched_at').all() as Record<string, string | number | null>[];
    return rows.map((r) => ({
      server: String(r.server),
      remotePath: String(r.remote_path),
      size: Number(r.size),
      mtime: Number(r.mtime),
      sha256: String(r.sha256),
      localName: String(r.local_name),
      fetchedAt: String(r.fetched_at),
      afterImport: r.after_import === null ? null : String(r.after_import),
    }));
  }

  /** Fetched and delivered files whose server-side afterImport step has not run yet. */
  awaitingAfterImport(server: string): FetchedFile[] {
    return this.fetched().filter((f) => f.server === server && f.afterImport === null && f.localName !== '');
  }

  markAfterImport(file: Pick<FetchedFile, 'server' | 'remotePath' | 'size' | 'mtime'>, outcome: string): void {
    this.#db
      .prepare('UPDATE fetched SET after_import = ? WHERE server = ? AND remote_path = ? AND size = ? AND mtime = ?')
      .run(outcome, file.server, file.remotePath, file.size, file.mtime);
  }

  pushed(target: string, sha256: string): PushedFile | null {
    const r = this.#db.prepare('SELECT * FROM pushed WHERE target = ? AND sha256 = ?').get(target, sha256) as Record<string, string> | undefined;
    return r === undefined ? null : { target: r.target ?? '', sha256: r.sha256 ?? '', name: r.name ?? '', remotePath: r.remote_path ?? '', pushedAt: r.pushed_at ?? '' };
  }

  allPushed(): PushedFile[] {
    const rows = this.#db.prepare('SELECT * FROM pushed ORDER BY pushed_at').all() as Record<string, string>[];
    return rows.map((r) => ({ target: r.target ?? '', sha256: r.sha256 ?? '', name: r.name ?? '', remotePath: r.remote_path ?? '', pushedAt: r.pushed_at ?? '' }));
  }

  recordPushed(file: PushedFile): void {
    this.#db.prepare('INSERT OR IGNORE INTO pushed VALUES (?, ?, ?, ?, ?)').run(file.target, file.sha256, file.name, file.remotePath, file.pushedAt);
  }

  close(): void {
    this.#db.close();
  }
}
