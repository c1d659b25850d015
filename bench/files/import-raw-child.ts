/**
 * The folder-import benchmark's baseline, alone in a fresh process: the least any importer must do
 * with a statement file: read it as a stream, split it into lines, and commit the lines into a
 * SQLite file (WAL, synchronous FULL, as the outbox) in transactions of 500.
 *   node bench/files/import-raw-child.ts <file> <sqlite file>
 * Prints one JSON line: {peakBytes, ms, lines} (peakBytes: VmHWM at the end, start-up included).
 */
import { createReadStream, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

const [file, dbPath] = process.argv.slice(2);
if (file === undefined || dbPath === undefined) throw new Error('usage: import-raw-child.ts <file> <sqlite file>');

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE lines (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
const insert = db.prepare<[string]>('INSERT INTO lines (text) VALUES (?)');
const commit = db.transaction((batch: string[]) => {
  for (const line of batch) insert.run(line);
});

const started = performance.now();
let lines = 0;
let rest = '';
let batch: string[] = [];
for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
  const parts = (rest + (chunk as string)).split(/\r?\n/);
  rest = parts.pop() ?? '';
  for (const line of parts) {
    batch.push(line);
    if (batch.length === 500) {
      commit(batch);
      lines += batch.length;
      batch = [];
    }
  }
}
if (rest !== '') batch.push(rest);
commit(batch);
lines += batch.length;
db.close();
const ms = performance.now() - started;
const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(`${JSON.stringify({ peakBytes: Number(match?.[1] ?? 0) * 1024, ms, lines })}\n`);
