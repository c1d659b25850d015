/**
 * Throwaway databases for tests: a PostgreSQL database and a MariaDB database created on the local
 * servers (DESIGN.md §7) and dropped afterwards, and a SQLite file in a temp dir. Each also answers
 * queries through the database's own command-line client, so a test can
 * compare what the agent read with what the database itself prints.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayDatabase {
  /** The database name (or the SQLite file path). */
  readonly name: string;
  /** DSN-less ODBC connection string for the registered Debian driver. */
  readonly connectionString: string;
  /** Runs SQL (several statements allowed) through the database's own client. */
  exec(sql: string): Promise<void>;
  /** Rows of one query as the database itself prints each value as text; NULL is null. */
  query(sql: string): Promise<(string | null)[][]>;
  drop(): Promise<void>;
}

// The ports can be moved for a machine whose servers listen elsewhere (and by the test that proves
// a missing server is skipped, not failed: test/integration/standalone-repository.test.ts).
export const POSTGRES = { host: '127.0.0.1', port: Number(process.env.TYA_POSTGRES_PORT ?? 5432), user: 'postgres' } as const;
export const MARIADB = { host: '127.0.0.1', port: Number(process.env.TYA_MARIADB_PORT ?? 3306), user: 'root' } as const;

let counter = 0;

/** A database name unique to this process and call, e.g. `tya_odbc_12345_1`. */
export function uniqueDatabaseName(label: string): string {
  counter += 1;
  const safe = label.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  return `tya_${safe}_${process.pid}_${counter}`;
}

// Separators for the clients' unaligned output: control characters no test value contains.
const FIELD_SEP = '\x1f';
const RECORD_SEP = '\x1e';
const NULL_MARK = '\x01';

export async function createPostgresDatabase(label: string): Promise<ThrowawayDatabase> {
  const name = uniqueDatabaseName(label);
  const psql = (database: string, sql: string, extra: string[] = []) =>
    runClient(
      'psql',
      ['-X', '-q', '-h', POSTGRES.host, '-p', String(POSTGRES.port), '-U', POSTGRES.user, '-d', database,
        '-v', 'ON_ERROR_STOP=1', ...extra, '-f', '-'],
      sql,
    );
  await psql('postgres', `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  return {
    name,
    connectionString:
      `Driver={PostgreSQL Unicode};Server=${POSTGRES.host};Port=${POSTGRES.port};Database=${name};Uid=${POSTGRES.user}`,
    exec: async (sql) => {
      await psql(name, sql);
    },
    query: async (sql) => {
      const out = await psql(name, sql, ['-A', '-t', '-F', FIELD_SEP, '-R', RECORD_SEP, '-P', `null=${NULL_MARK}`]);
      const body = out.endsWith('\n') ? out.slice(0, -1) : out;
      if (body === '') return [];
      return body.split(RECORD_SEP).map((line) => line.split(FIELD_SEP).map((v) => (v === NULL_MARK ? null : v)));
    },
    drop: async () => {
      await psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function createMariaDbDatabase(label: string): Promise<ThrowawayDatabase> {
  const name = uniqueDatabaseName(label);
  const mysql = (sql: string, database?: string) =>
    runClient(
      'mysql',
      ['-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, '--default-character-set=utf8mb4',
        '-N', '-B', '--raw', ...(database === undefined ? [] : [database])],
      sql,
    );
  await mysql(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  return {
    name,
    connectionString: `Driver={MariaDB Unicode};Server=${MARIADB.host};Port=${MARIADB.port};Database=${name};Uid=${MARIADB.user}`,
    exec: async (sql) => {
      await mysql(sql, name);
    },
    // Batch output is tab-separated with NULL printed as `NULL`: keep test values free of tabs,
    // newlines and the text "NULL".
    query: async (sql) => {
      const out = await mysql(sql, name);
      const body = out.endsWith('\n') ? out.slice(0, -1) : out;
      if (body === '') return [];
      return body.split('\n').map((line) => line.split('\t').map((v) => (v === 'NULL' ? null : v)));
    },
    drop: async () => {
      await mysql(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/**
 * A fresh SQLite file in its own temp dir, written and read through the `sqlite3` command-line
 * shell. Not through better-sqlite3 in the test process: the ODBC driver links the system's SQLite,
 * and two copies of SQLite in one process release each other's POSIX locks on the same file
 * (sqlite.org/howtocorrupt.html §2.2), which was seen here as connections reading stale data.
 * `drop()` removes the dir.
 */
export function createSqliteFile(label: string): ThrowawayDatabase {
  const dir = mkdtempSync(join(tmpdir(), `tya-${label}-`));
  const path = join(dir, `${label}.db`);
  // A busy timeout: the agent under test may be writing the same file (a write-back staging table).
  const sqlite3 = (sql: string, extra: string[] = []) => runClient('sqlite3', ['-batch', '-bail', '-cmd', '.timeout 10000', ...extra, path], sql);
  return {
    name: path,
    connectionString: `Driver={SQLite3};Database=${path}`,
    exec: async (sql) => {
      await sqlite3(sql);
    },
    query: async (sql) => {
      const out = await sqlite3(sql, ['-noheader', '-separator', FIELD_SEP, '-newline', RECORD_SEP, '-nullvalue', NULL_MARK]);
      if (out === '') return [];
      const body = out.endsWith(RECORD_SEP) ? out.slice(0, -1) : out;
      return body.split(RECORD_SEP).map((line) => line.split(FIELD_SEP).map((v) => (v === NULL_MARK ? null : v)));
    },
    drop: async () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** Runs a database client with SQL on stdin; resolves with stdout, rejects with stderr. */
function runClient(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} exited with ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.end(input);
  });
}
