/**
 * Reads a SQLite source table straight from the file (better-sqlite3, not ODBC) in the form the
 * agent must deliver it: every value as the database's own text, NULL as null. The reconciler
 * compares this with what the cloud applied.
 */
import Database from 'better-sqlite3';
import type { JsonObject } from '../../agents/api/index.ts';
import type { SourceRow } from './reconcile.ts';

export function sqliteRowsAsText(file: string, table: string, stream: string, keyColumns: readonly string[]): SourceRow[] {
  const db = new Database(file, { readonly: true });
  try {
    const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).map(
      (name) => `CAST("${name}" AS TEXT) AS "${name}"`,
    );
    const rows = db.prepare(`SELECT ${columns.join(', ')} FROM "${table}"`).all() as Array<Record<string, string | null>>;
    return rows.map((row) => {
      const data: JsonObject = {};
      for (const [name, value] of Object.entries(row)) data[name] = value;
      const key = Object.fromEntries(keyColumns.map((column) => [column, String(row[column])]));
      return { stream, key, data };
    });
  } finally {
    db.close();
  }
}
