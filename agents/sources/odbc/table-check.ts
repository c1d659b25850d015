/**
 * The catalog checks around a stream's table: when the stream is opened (against the columns in
 * its checkpoint), at the start of every round (against its plan) and after a failed query (is it
 * drift?). Added columns are returned for the caller to accept; any other change throws.
 */
import type { JsonValue, OdbcStreamConfig } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { Dialect, TablePlan } from './dialects/index.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import type { SchemaChange } from './schema-drift.ts';
import { compareColumns, onlyAdded, parseSignatures, schemaDriftError, tableDroppedError, tableSignature } from './schema-drift.ts';
import { describeStreamTable, tableMissingError } from './stream-plan.ts';

export interface TableCheckContext {
  connection: OdbcConnection;
  dialect: Dialect;
  source: string;
  stream: OdbcStreamConfig;
}

export interface CheckedTable {
  table: TablePlan;
  /** Columns the table gained (accepted). */
  added: SchemaChange[];
}

/** The table for a stream's first round, compared with the columns its checkpoint was written with. */
export async function openTable(context: TableCheckContext, saved: JsonValue | undefined): Promise<CheckedTable> {
  const { dialect, source, stream } = context;
  const table = await describeStreamTable(context.connection, dialect, source, stream);
  if (table === null) {
    throw saved === undefined ? tableMissingError(dialect, source, stream) : tableDroppedError({ source, stream: stream.name, table: stream.table });
  }
  const savedColumns = saved !== null && typeof saved === 'object' && !Array.isArray(saved) ? parseSignatures(saved.columns) : null;
  return { table, added: savedColumns === null ? [] : refuseDrift(context, table, compareColumns(savedColumns, tableSignature(table))) };
}

/** The table now, when it still has every planned column as planned. */
export async function recheckTable(context: TableCheckContext, planned: TablePlan): Promise<CheckedTable> {
  const table = await describeStreamTable(context.connection, context.dialect, context.source, context.stream);
  if (table === null) throw tableDroppedError({ source: context.source, stream: context.stream.name, table: planned.displayName });
  return { table, added: refuseDrift(context, table, compareColumns(tableSignature(planned), tableSignature(table))) };
}

/** After a failed query: the drift that explains it, or null (including when the catalog cannot say). */
export async function driftBehind(context: TableCheckContext, planned: TablePlan): Promise<PermanentError | null> {
  try {
    await recheckTable(context, planned);
    return null;
  } catch (error) {
    return error instanceof PermanentError && error.code === 'schema_drift' ? error : null;
  }
}

function refuseDrift(context: TableCheckContext, table: TablePlan, changes: SchemaChange[]): SchemaChange[] {
  if (!onlyAdded(changes)) {
    throw schemaDriftError({ source: context.source, stream: context.stream.name, table: table.displayName }, changes);
  }
  return changes;
}
