/**
 * The background integrity check's thread (background-check.ts): `PRAGMA integrity_check` on its
 * own read-only connection, so the agent's thread keeps delivering while the whole file is read.
 * A read-only connection never checkpoints or writes; its read transaction only keeps the -wal from
 * being reset until the check ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path } = workerData as { path: string };
let reply: { problem: string | null } | { error: string; corrupt: boolean };
try {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const lines = rows.map((row) => row.integrity_check);
    reply = { problem: lines.length === 1 && lines[0] === 'ok' ? null : lines.join('\n') };
  } finally {
    db.close();
  }
} catch (error) {
  const code = (error as { code?: unknown }).code;
  const corrupt = typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
  reply = { error: (error as Error).message, corrupt };
}
parentPort?.postMessage(reply);
