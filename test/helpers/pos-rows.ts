/**
 * Reads a SQLite source table straight from the file (better-sqlite3, not ODBC) in the form the
 * agent must deliver it: every value as the database's own text, NULL as null, and DATETIME columns
 * (naive, for a source configured with timeZone UTC) as RFC 3339 with `+00:00`. The reconciler
 * compares this with what the cloud applied.
 */
import Database from 'better-sqlite3';
import type { JsonObject } from '../../agents/api/index.ts';
import type { SourceRow } from './reconcile.ts';

export function sqliteRowsAsText(file: string, table: string, stream: string, keyColumns: readonly string[]): SourceRow[] {
  const db = new Database(file, { readonly: true });
  try {
    const info = db.prepare('SELECT name, type FROM pragma_table_info(?)').all(table) as Array<{ name: string; type: string }>;
    const datetimes = new Set(info.filter((c) => /DATETIME|TIMESTAMP/i.test(c.type)).map((c) => c.name));
    const columns = info.map(({ name }) => `CAST("${name}" AS TEXT) AS "${name}"`);
    const rows = db.prepare(`SELECT ${columns.join(', ')} FROM "${table}"`).all() as Array<Record<string, string | null>>;
    return rows.map((row) => {
      const data: JsonObject = {};
      for (const [name, value] of Object.entries(row)) {
        data[name] = value !== null && datetimes.has(name) ? `${value.replace(' ', 'T')}+00:00` : value;
      }
      const key = Object.fromEntries(keyColumns.map((column) => [column, String(row[column])]));
      return { stream, key, data };
    });
  } finally {
    db.close();
  }
}
