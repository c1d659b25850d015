/**
 * Context figures, not baselines with a target: how long each database's own command-line client
 * takes to dump the whole table as text to /dev/null (`psql \copy … TO STDOUT`, `mariadb --quick`,
 * `sqlite3`), process start included. No ODBC, no paging, no conversion: an upper bound on speed.
 */
import { spawn } from 'node:child_process';
import { MARIADB, POSTGRES } from '../../test/helpers/databases.ts';
import { BENCH_TABLE, type BenchTable } from './bench-table.ts';

export function cliDumpCommand(table: BenchTable): { label: string; command: string; args: string[] } {
  switch (table.dialect) {
    case 'postgresql':
      return {
        label: 'psql \\copy',
        command: 'psql',
        args: [
          '-X',
          '-q',
          '-h',
          POSTGRES.host,
          '-p',
          String(POSTGRES.port),
          '-U',
          POSTGRES.user,
          '-d',
          table.db.name,
          '-c',
          `\\copy ${BENCH_TABLE} TO STDOUT`,
        ],
      };
    case 'mariadb':
      return {
        label: 'mariadb --quick',
        command: 'mariadb',
        args: [
          '--quick',
          '-B',
          '-h',
          MARIADB.host,
          '-P',
          String(MARIADB.port),
          '-u',
          MARIADB.user,
          table.db.name,
          '-e',
          `SELECT * FROM ${BENCH_TABLE}`,
        ],
      };
    case 'sqlite':
      return { label: 'sqlite3', command: 'sqlite3', args: ['-batch', table.db.name, `SELECT * FROM ${BENCH_TABLE}`] };
  }
}

/** Milliseconds the client took, output discarded by the OS (stdout is /dev/null). */
export function timeCliDump(table: BenchTable): Promise<number> {
  const { command, args } = cliDumpCommand(table);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
