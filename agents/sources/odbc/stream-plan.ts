/**
 * Learns which columns a stream's table has and how to read each one, and checks the config against
 * the catalog so a typo is reported by name instead of as a SQL error. The same check runs again
 * on the catalog's answer at the start of every round (see schema-drift.ts).
 */
import type { OdbcStreamConfig, OdbcStreamMode } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { ColumnPlan, Dialect, TablePlan } from './dialects/index.ts';
import { splitTableName } from './dialects/index.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import { queryError } from './odbc-errors.ts';
import { streamSettings } from './stream-settings.ts';

export interface StreamPlan {
  stream: string;
  mode: OdbcStreamMode;
  table: TablePlan;
  /** Cursor columns in comparison order (empty in append and snapshot mode). */
  cursors: ColumnPlan[];
  keys: ColumnPlan[];
  /** Index of each cursor and key column in `table.columns` (and in each row read). */
  cursorIndexes: number[];
  keyIndexes: number[];
  /** Index of the group column (`groupColumn`: rows with one value are one group), else null. */
  groupIndex: number | null;
}

/** Column kinds a lookback window can be computed on (in seconds). */
const TIME_KINDS = new Set(['timestamp', 'timestamptz', 'date']);

/** The table as the catalog describes it now, or null when it is missing (or not visible). */
export async function describeStreamTable(
  connection: OdbcConnection,
  dialect: Dialect,
  source: string,
  stream: OdbcStreamConfig,
): Promise<TablePlan | null> {
  try {
    return await dialect.describeTable(connection, splitTableName(stream.table));
  } catch (error) {
    throw queryError(error, { dialect, source, stream: stream.name, table: stream.table });
  }
}

export async function planStream(
  connection: OdbcConnection,
  dialect: Dialect,
  source: string,
  stream: OdbcStreamConfig,
): Promise<StreamPlan> {
  const table = await describeStreamTable(connection, dialect, source, stream);
  if (table === null) throw tableMissingError(dialect, source, stream);
  return planTable(table, source, stream);
}

/** The configured table is not there (a typo, a permission): see schema-drift.ts for one that went away. */
export function tableMissingError(dialect: Dialect, source: string, stream: OdbcStreamConfig): PermanentError {
  return new PermanentError(
    'odbc_table_missing',
    `Source "${source}", stream "${stream.name}": table "${stream.table}" was not found in the ${dialect.productName} database (or this user may not see it).`,
    { hint: `Check "table" in the stream's configuration (now "${stream.table}") and the user's SELECT permission.` },
  );
}

/** The plan for a table the catalog described; refuses configured columns it does not have. */
export function planTable(table: TablePlan, source: string, stream: OdbcStreamConfig): StreamPlan {
  const where = `Source "${source}", stream "${stream.name}"`;
  const settings = streamSettings(stream);
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
  const role = settings.cursorColumns.length > 1 ? 'cursorColumns' : 'cursorColumn';
  const cursors = settings.cursorColumns.map((name) => find(name, role));
  const keys = stream.keyColumns.map((name) => find(name, 'keyColumns'));
  const group = stream.groupColumn === undefined ? null : find(stream.groupColumn, 'groupColumn');
  const first = cursors[0]?.column;
  if (settings.lookbackSecs > 0 && first !== undefined && !TIME_KINDS.has(first.kind)) {
    throw new PermanentError(
      'odbc_lookback_needs_time',
      `${where}: lookbackSecs needs a timestamp or date cursor, but ${first.name} in ${table.displayName} is ${first.typeName}.`,
      { hint: 'Remove lookbackSecs, or make the first cursor column a timestamp (an updated-at column).' },
    );
  }
  return {
    stream: stream.name,
    mode: settings.mode,
    table,
    cursors: cursors.map((cursor) => cursor.column),
    keys: keys.map((key) => key.column),
    cursorIndexes: cursors.map((cursor) => cursor.index),
    keyIndexes: keys.map((key) => key.index),
    groupIndex: group?.index ?? null,
  };
}
