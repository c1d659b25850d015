/**
 * The first rows of a table as the agent would send them: every value the database's exact text
 * (numbers as strings, timestamps with an offset), so an admin sees before syncing what arrives.
 */
import type { JsonObject } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { Dialect } from '../dialects/index.ts';
import { splitTableName } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { cellText, toJsonValue } from '../value-convert.ts';

export interface Preview {
  table: string;
  columns: string[];
  rows: JsonObject[];
  /** Columns whose shown value may be cut (SQLite hands long expression values over in 1,020 bytes). */
  possiblyCut: string[];
}

export async function previewRows(connection: OdbcConnection, dialect: Dialect, table: string, rows: number, timeZone: string): Promise<Preview> {
  const plan = await dialect.describeTable(connection, splitTableName(table));
  if (plan === null) {
    throw new PermanentError('odbc_table_missing', `There is no table "${table}" in the ${dialect.productName} database (or this user may not see it).`, {
      hint: 'List the tables with: tya-agent discover --source <name>',
    });
  }
  const selects = plan.columns.map((column, i) => `${column.select} AS c${i}`);
  const result = await connection.query(`SELECT ${selects.join(', ')} FROM ${plan.from} ${dialect.limitClause(Math.max(0, rows))}`);
  const cut = new Set<string>();
  const data = result.map((row) => {
    const out: JsonObject = {};
    plan.columns.forEach((column, i) => {
      const text = cellText(row[`c${i}`], column.name);
      if (text !== null && column.maxBytes !== undefined && Buffer.byteLength(text) >= column.maxBytes - 3) cut.add(column.name);
      out[column.name] = toJsonValue(column.kind, text, timeZone);
    });
    return out;
  });
  return { table: plan.displayName, columns: plan.columns.map((c) => c.name), rows: data, possiblyCut: [...cut] };
}
