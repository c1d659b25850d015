/**
 * A small SQLite database for an agent to read over ODBC (the SQLite3 driver): a `receipts` table
 * of the bench's deterministic rows, cursor on updated_at. Written with better-sqlite3 and closed
 * before any agent opens it (two SQLite copies in one process break each other's locks; here the
 * writer and the agent are different processes anyway).
 */
import Database from 'better-sqlite3';
import type { AgentConfigInput } from '../../agents/api/index.ts';
import { receiptRecords } from './receipt-records.ts';

/**
 * `textType` is how the text columns are declared: TEXT (what POS schemas mostly say) or e.g.
 * VARCHAR(100); the SQLite ODBC driver sizes its buffers from it.
 */
export function createReceiptsDatabase(file: string, rows: number, seed: number, textType = 'TEXT'): void {
  if (!/^[A-Z]+(\(\d+\))?$/.test(textType))
    throw new Error(`${textType} is not a column type like TEXT or VARCHAR(100).`);
  const t = textType;
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE receipts (
      receipt_id INTEGER PRIMARY KEY, shift_id INTEGER NOT NULL, receipt_no ${t} NOT NULL, total ${t} NOT NULL,
      tax ${t} NOT NULL, currency ${t} NOT NULL, note ${t}, updated_at ${t} NOT NULL);
      CREATE INDEX receipts_cursor ON receipts (updated_at, receipt_id);`);
    const insert = db.prepare('INSERT INTO receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const { data } of receiptRecords(rows, { seed })) {
        const d = data!;
        // Naive local time, as tills store it; the source's timeZone (UTC here) gives it an offset.
        const at = (d.updated_at as string).replace('T', ' ').replace('Z', '');
        insert.run(Number(d.receipt_id), Number(d.shift_id), d.receipt_no, d.total, d.tax, d.currency, d.note, at);
      }
    })();
  } finally {
    db.close();
  }
}

/** An odbc source config reading that database's receipts. */
export type SourceConfigInput = NonNullable<AgentConfigInput['sources']>[number];

export function receiptsSource(name: string, file: string, intervalSecs = 10): SourceConfigInput {
  return {
    type: 'odbc',
    name,
    dialect: 'sqlite',
    connectionString: `Driver={SQLite3};Database=${file};Timeout=5000`,
    timeZone: 'UTC',
    intervalSecs,
    streams: [
      {
        name: 'receipts',
        table: 'receipts',
        keyColumns: ['receipt_id'],
        cursorColumn: 'updated_at',
        lane: 'bulk',
        pageRows: 500,
      },
    ],
  };
}
