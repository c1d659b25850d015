/**
 * Learns, once per connection, which columns a stream's table has and how to read each one, and
 * checks the config against the catalog so a typo is reported by name instead of as a SQL error.
 */
import type { OdbcStreamConfig } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { ColumnPlan, Dialect } from './dialects/index.ts';
import { splitTableName } from './dialects/index.ts';
import type { StreamPlan } from './keyset-query.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import { queryError } from './odbc-errors.ts';

export async function planStream(
  connection: OdbcConnection,
  dialect: Dialect,
  source: string,
  stream: OdbcStreamConfig,
): Promise<StreamPlan> {
  const where = `Source "${source}", stream "${stream.name}"`;
  let table;
  try {
    table = await dialect.describeTable(connection, splitTableName(stream.table));
  } catch (error) {
    throw queryError(error, { dialect, source, stream: stream.name, table: stream.table });
  }
  if (table === null) {
    throw new PermanentError(
      'odbc_table_missing',
      `${where}: table "${stream.table}" was not found in the ${dialect.productName} database (or this user may not see it).`,
      { hint: `Check "table" in the stream's configuration (now "${stream.table}") and the user's SELECT permission.` },
    );
  }
  const find = (configured: string, role: string): { column: ColumnPlan; index: number } => {
    const exact = table.columns.findIndex((column) => column.name === configured);
    const index =
      exact !== -1 ? exact : table.columns.findIndex((column) => column.name.toLowerCase() === configured.toLowerCase());
    const column = table.columns[index];
    if (column === undefined) {
      throw new PermanentError(
        'odbc_column_missing',
        `${where}: table ${table.displayName} has no column "${configured}" (configured as ${role}). ` +
          `Its columns are: ${table.columns.map((c) => c.name).join(', ')}.`,
        { hint: `Correct ${role} in the stream's configuration.` },
      );
    }
    return { column, index };
  };
  const cursor = find(stream.cursorColumn, 'cursorColumn');
  const keys = stream.keyColumns.map((name) => find(name, 'keyColumns'));
  return {
    stream: stream.name,
    table,
    cursor: cursor.column,
    cursorIndex: cursor.index,
    keys: keys.map((key) => key.column),
    keyIndexes: keys.map((key) => key.index),
  };
}
