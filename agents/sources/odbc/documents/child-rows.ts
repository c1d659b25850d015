/**
 * Reads the rows of one child of a shift (its receipts, lines or payments): from a table matched on
 * shift columns, or from the configured SQL with shift values bound to its `?`s. Every value is
 * the database's own text; at most `maxRows` rows, so a runaway query cannot fill memory.
 */
import type { JsonObject } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { Dialect } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { queryError } from '../odbc-errors.ts';
import { SQLITE_EXPRESSION_MAX_BYTES, queryColumns } from './query-columns.ts';
import type { ReadColumn } from './row-values.ts';
import { columnAlias, readRows, resolveName, sortRows } from './row-values.ts';
import type { ChildConfig, ChildPlan } from './shift-plan.ts';
import { groupingColumn, roleColumns } from './shift-plan.ts';

export interface ChildRows {
  /** Column names as the database spells them. */
  columns: string[];
  rows: JsonObject[];
}

export interface ChildRequest {
  connection: OdbcConnection;
  dialect: Dialect;
  plan: ChildPlan;
  config: ChildConfig;
  /** The shift row's exact texts, in shift table column order. */
  shiftTexts: (string | null)[];
  timeZone: string;
  source: string;
  document: string;
  /** Only the column names (a `LIMIT 0` read), for "Test connection". */
  probeOnly?: boolean;
}

export async function readChildRows(request: ChildRequest): Promise<ChildRows> {
  const { connection, dialect, plan, config, shiftTexts } = request;
  const where = `Source "${request.source}", document "${request.document}", ${plan.role}`;
  const limit = request.probeOnly ? 0 : config.maxRows + 1;
  let columns: ReadColumn[];
  let sql: string;
  let parameters: string[];
  const table = plan.type === 'table' ? plan.table.displayName : 'its SQL';
  try {
    if (plan.type === 'table') {
      columns = plan.columns.map(({ column }) => column);
      const selects = plan.columns.map(({ column }, i) => `${column.select} AS ${columnAlias(i)}`);
      const conditions = plan.match.map(({ child }) => `${child.compare} = ${child.parameter}`);
      sql = `SELECT ${selects.join(', ')} FROM ${plan.table.from} WHERE ${conditions.join(' AND ')} ${dialect.limitClause(limit)}`;
      parameters = plan.match.map(({ shift }) => shiftTexts[shift.index] ?? '');
    } else {
      parameters = plan.parameters.map(({ index }) => shiftTexts[index] ?? '');
      const probe = await connection.query(`SELECT * FROM (${plan.sql}) q ${dialect.limitClause(0)}`, parameters);
      const described = queryColumns(dialect.name, probe.columns);
      columns = described.map((column) => ({
        name: column.name,
        kind: column.kind,
        ...(dialect.name === 'sqlite' ? { maxBytes: SQLITE_EXPRESSION_MAX_BYTES } : {}),
      }));
      const selects = described.map((column, i) => `${column.select} AS ${columnAlias(i)}`);
      sql = `SELECT ${selects.join(', ')} FROM (${plan.sql}) q ${dialect.limitClause(limit)}`;
    }
  } catch (error) {
    throw queryError(error, { dialect, source: request.source, stream: request.document, table });
  }
  const names = columns.map((column) => column.name);
  const resolved = roleColumns(plan.role, config).map((configured) => {
    const name = resolveName(names, configured);
    if (name === undefined) {
      throw new PermanentError(
        'odbc_column_missing',
        `${where}: ${plan.type === 'table' ? `table ${plan.table.displayName}` : 'the SQL'} returns no column "${configured}". ` +
          `It returns: ${names.join(', ') || '(no columns)'}.`,
        { hint: `Name the column in the ${plan.role} configuration as the query returns it (or alias it in the SQL).` },
      );
    }
    return name;
  });
  if (request.probeOnly) return { columns: names, rows: [] };
  const grouping = groupingColumn(plan.role, config);
  const first = grouping === undefined ? [] : [resolved[roleColumns(plan.role, config).indexOf(grouping)]!];
  let result;
  try {
    result = await connection.query(sql, parameters);
  } catch (error) {
    throw queryError(error, { dialect, source: request.source, stream: request.document, table });
  }
  if (result.length > config.maxRows) {
    throw new PermanentError(
      'odbc_document_too_large',
      `${where}: the shift has more than ${config.maxRows.toLocaleString('en-US')} ${plan.role} rows, the configured maxRows.`,
      { hint: `Raise ${plan.role}.maxRows if the shift is really this large, or check that the query selects only this shift's rows.` },
    );
  }
  const rows = readRows(result, columns, request.timeZone, where).map((row) => row.data);
  return { columns: names, rows: sortRows(rows, first, names) };
}
