/**
 * The rows of an export (issue 16 item 3) from an ODBC source: a whole table, read through the same
 * column plans as capture (every value selected as the database's exact text: DECIMAL "1.10" stays
 * "1.10", a BIGINT above 2^53 stays whole), or a SELECT wrapped so each of its columns is cast to
 * text the same way. Read through a cursor, `fetchRows` at a time: memory holds one page whatever
 * the export's size.
 */
import type { JsonValue, OdbcSourceConfig } from '../../../api/index.ts';
import { PermanentError } from '../../../pipeline/errors.ts';
import type { SecretResolver } from '../../../pipeline/source.ts';
import { dialectFor, splitTableName, type ColumnKind, type Dialect } from '../dialects/index.ts';
import { nodeOdbcDriver, type OdbcConnection, type OdbcDriver, type OdbcRows } from '../odbc-driver.ts';
import { openConnection } from '../open-connection.ts';
import { cellText, toJsonValue } from '../value-convert.ts';

export interface ExportRowsRequest {
  config: OdbcSourceConfig;
  secrets: SecretResolver;
  table?: string | undefined;
  query?: string | undefined;
  fetchRows: number;
  driver?: OdbcDriver;
}

export interface ExportPage {
  columns: string[];
  rows: JsonValue[][];
}

interface SelectPlan {
  sql: string;
  columns: Array<{ name: string; kind: ColumnKind }>;
}

/** Pages of exact values, in the database's column order; the connection is closed at the end. */
export async function* exportRows(request: ExportRowsRequest): AsyncGenerator<ExportPage> {
  const dialect = dialectFor(request.config.dialect);
  const driver = request.driver ?? nodeOdbcDriver;
  const connection = await openConnection({ config: request.config, ctx: { secrets: request.secrets }, driver, dialect });
  try {
    const plan = request.table !== undefined ? await tablePlan(connection, dialect, request.table, request.config.name) : await queryPlan(connection, dialect, request.query ?? '');
    const names = plan.columns.map((c) => c.name);
    if (connection.cursor === undefined) throw new Error('This ODBC driver wrapper cannot read a result page by page.');
    const fetchRows = await rowsPerFetch(connection, dialect, plan.sql, request.fetchRows);
    const cursor = await connection.cursor(plan.sql, fetchRows);
    try {
      for (;;) {
        const page: OdbcRows = await cursor.fetch();
        if (page.length === 0) break;
        yield { columns: names, rows: page.map((row) => plan.columns.map((c, i) => toJsonValue(c.kind, cellText(row[`c${i}`], c.name), request.config.timeZone))) };
        if (page.length < fetchRows) break;
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function tablePlan(connection: OdbcConnection, dialect: Dialect, table: string, source: string): Promise<SelectPlan> {
  const described = await dialect.describeTable(connection, splitTableName(table));
  if (described === null) {
    throw new PermanentError('export_table_missing', `Source "${source}" has no table "${table}" to export.`, {
      hint: 'Check the name with "tya-agent discover --source ' + source + '" (schema.table or table).',
    });
  }
  // Aliases c0, c1… keep column names of any spelling apart from SQL and from each other.
  const select = described.columns.map((c, i) => `${c.select} AS c${i}`).join(', ');
  return { sql: `SELECT ${select} FROM ${described.from}`, columns: described.columns.map((c) => ({ name: c.name, kind: c.kind })) };
}

/** What one fetch may allocate: node-odbc sizes its buffers from each column's reported size. */
const FETCH_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * Rows per round trip. node-odbc allocates every column's reported size for every row of a fetch
 * (SQLite reports 65,536 for text: 2,000 rows of ten columns would be 1.3 GB), so the page shrinks to
 * fit FETCH_BUFFER_BYTES. MariaDB Connector/ODBC ends a cursor early when it fetches more than one row
 * at a time (DESIGN.md §5), so there it is one row a fetch: slower, never short.
 */
async function rowsPerFetch(connection: OdbcConnection, dialect: Dialect, sql: string, wanted: number): Promise<number> {
  if (dialect.name === 'mariadb') return 1;
  const probe = await connection.query(`SELECT * FROM (${sql}) p WHERE 1 = 0`);
  const rowBytes = probe.columns.reduce((sum, c) => sum + Math.max(16, (c.columnSize || 0) * 4 + 16), 0);
  return Math.max(1, Math.min(wanted, Math.floor(FETCH_BUFFER_BYTES / Math.max(1, rowBytes))));
}

/** ODBC SQL types that hold bytes: selected as hex, written as base64 like captured records. */
const BINARY_TYPES = new Set(['SQL_BINARY', 'SQL_VARBINARY', 'SQL_LONGVARBINARY']);

async function queryPlan(connection: OdbcConnection, dialect: Dialect, query: string): Promise<SelectPlan> {
  const inner = query.trim().replace(/;\s*$/, '');
  // The query's columns, without its rows.
  const probe = await connection.query(`SELECT * FROM (${inner}) q WHERE 1 = 0`);
  const columns = probe.columns.map((c): { name: string; kind: ColumnKind } => ({ name: c.name, kind: BINARY_TYPES.has(c.dataTypeName) ? 'binary' : 'text' }));
  const select = columns.map((c, i) => `${textCast(dialect, `q.${dialect.quoteIdentifier(c.name)}`, c.kind)} AS c${i}`).join(', ');
  return { sql: `SELECT ${select} FROM (${inner}) q`, columns };
}

/** The exact text of any column: numbers as written, never through a double. */
function textCast(dialect: Dialect, expression: string, kind: ColumnKind): string {
  switch (dialect.name) {
    case 'postgresql':
      return kind === 'binary' ? `encode(${expression}, 'hex')` : `${expression}::text`;
    case 'mariadb':
      return kind === 'binary' ? `HEX(${expression})` : `CAST(${expression} AS CHAR)`;
    case 'sqlite':
      return kind === 'binary' ? `HEX(${expression})` : `CAST(${expression} AS TEXT)`;
    default:
      return expression;
  }
}
