/**
 * Learns, once per connection, the shift table and the child tables of a document from the catalog
 * and checks every column the configuration names, so a typo is reported by table and column
 * instead of as a SQL error at the first close.
 */
import type { OdbcDocumentConfig } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { ColumnPlan, Dialect, TablePlan } from '../dialects/index.ts';
import { splitTableName } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { queryError } from '../odbc-errors.ts';

export interface PlannedColumn {
  column: ColumnPlan;
  /** Position in `table.columns` (and in each row read with all columns). */
  index: number;
}

export interface ShiftPlan {
  table: TablePlan;
  keys: PlannedColumn[];
  register: PlannedColumn | null;
  z: PlannedColumn | null;
  /** The close timestamp (mode `closeColumnSet`). */
  close: PlannedColumn | null;
}

export type ChildRole = 'receipts' | 'lines' | 'payments';
export type ChildConfig = NonNullable<OdbcDocumentConfig[ChildRole]>;

export interface TableChildPlan {
  type: 'table';
  role: ChildRole;
  table: TablePlan;
  /** The columns read, in table order. */
  columns: PlannedColumn[];
  /** Child column = shift column. */
  match: Array<{ child: ColumnPlan; shift: PlannedColumn }>;
}

export interface SqlChildPlan {
  type: 'sql';
  role: ChildRole;
  sql: string;
  /** Shift columns bound to the `?`s, in order. */
  parameters: PlannedColumn[];
}

export type ChildPlan = TableChildPlan | SqlChildPlan;

export interface PlanContext {
  connection: OdbcConnection;
  dialect: Dialect;
  source: string;
  document: OdbcDocumentConfig;
}

export async function planShift(context: PlanContext): Promise<ShiftPlan> {
  const { document } = context;
  const table = await describe(context, document.shift.table, 'shift.table');
  const find = (name: string, role: string) => findColumn(table, name, role, where(context));
  const closedWhen = document.shift.closedWhen;
  const plan: ShiftPlan = {
    table,
    keys: document.shift.keyColumns.map((name) => find(name, 'shift.keyColumns')),
    register: document.shift.registerColumn === undefined ? null : find(document.shift.registerColumn, 'shift.registerColumn'),
    z: document.shift.zNumberColumn === undefined ? null : find(document.shift.zNumberColumn, 'shift.zNumberColumn'),
    close: closedWhen.type === 'closeColumnSet' ? find(closedWhen.column, 'shift.closedWhen.column') : null,
  };
  // Columns used later are checked now: the cash count and the values children are matched on.
  if (document.cash !== undefined) {
    find(document.cash.countedColumn, 'cash.countedColumn');
    if (document.cash.expectedColumn !== undefined) find(document.cash.expectedColumn, 'cash.expectedColumn');
    for (const name of document.cash.openingColumns) find(name, 'cash.openingColumns');
  }
  return plan;
}

export async function planChild(context: PlanContext, shift: ShiftPlan, role: ChildRole, child: ChildConfig): Promise<ChildPlan> {
  const shiftColumn = (name: string, what: string) => findColumn(shift.table, name, what, where(context));
  if (child.sql !== undefined) {
    const names = child.parameters ?? shift.keys.map((key) => key.column.name);
    return { type: 'sql', role, sql: child.sql, parameters: names.map((name) => shiftColumn(name, `${role}.parameters`)) };
  }
  const table = await describe(context, child.table!, `${role}.table`);
  const childColumn = (name: string, what: string) => findColumn(table, name, what, where(context));
  const included = child.columns?.map((name) => childColumn(name, `${role}.columns`).index);
  const columns = table.columns
    .map((column, index) => ({ column, index }))
    .filter(({ index }) => included === undefined || included.includes(index));
  for (const name of roleColumns(role, child)) {
    const found = childColumn(name, `a column of ${role}`);
    if (!columns.some((c) => c.index === found.index)) columns.push(found);
  }
  columns.sort((a, b) => a.index - b.index);
  const match = Object.entries(child.match ?? {}).map(([childName, shiftName]) => ({
    child: childColumn(childName, `${role}.match`).column,
    shift: shiftColumn(shiftName, `${role}.match`),
  }));
  return { type: 'table', role, table, columns, match };
}

/** The column a child's rows are grouped by first: the receipt id (then all columns in order). */
export function groupingColumn(role: ChildRole, child: ChildConfig): string | undefined {
  const fields: Record<string, unknown> = child;
  const name = role === 'receipts' ? fields.idColumn : fields.receiptColumn;
  return typeof name === 'string' ? name : undefined;
}

/** The columns a child's role reads figures from (ids, totals, tenders). */
export function roleColumns(role: ChildRole, child: ChildConfig): string[] {
  const fields: Record<string, unknown> = child;
  const names =
    role === 'receipts'
      ? ['idColumn', 'totalColumn', 'linesTotalColumn']
      : role === 'lines'
        ? ['receiptColumn', 'totalColumn']
        : ['receiptColumn', 'tenderColumn', 'amountColumn'];
  return names.map((field) => fields[field]).filter((name): name is string => typeof name === 'string');
}

export function findColumn(table: TablePlan, configured: string, role: string, where: string): PlannedColumn {
  const exact = table.columns.findIndex((column) => column.name === configured);
  const index = exact !== -1 ? exact : table.columns.findIndex((column) => column.name.toLowerCase() === configured.toLowerCase());
  const column = table.columns[index];
  if (column === undefined) {
    throw new PermanentError(
      'odbc_column_missing',
      `${where}: table ${table.displayName} has no column "${configured}" (configured as ${role}). ` +
        `Its columns are: ${table.columns.map((c) => c.name).join(', ')}.`,
      { hint: `Correct ${role} in the document's configuration.` },
    );
  }
  return { column, index };
}

async function describe(context: PlanContext, name: string, role: string): Promise<TablePlan> {
  const { connection, dialect, source, document } = context;
  let table: TablePlan | null;
  try {
    table = await dialect.describeTable(connection, splitTableName(name));
  } catch (error) {
    throw queryError(error, { dialect, source, stream: document.name, table: name });
  }
  if (table === null) {
    throw new PermanentError(
      'odbc_table_missing',
      `${where(context)}: table "${name}" (${role}) was not found in the ${dialect.productName} database (or this user may not see it).`,
      { hint: `Check ${role} in the document's configuration and the user's SELECT permission on it.` },
    );
  }
  return table;
}

function where(context: PlanContext): string {
  return `Source "${context.source}", document "${context.document.name}"`;
}
