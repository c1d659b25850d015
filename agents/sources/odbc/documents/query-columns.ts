/**
 * Columns of a query written in the config (a document's child SQL): their names and types come
 * from the driver's result metadata, and each is re-selected as exact database text, because the
 * drivers hand DECIMAL over as a double and BIGINT as a JS bigint (DESIGN.md §5).
 *
 *   SELECT q."total"::text AS c0, … FROM (<the configured SQL>) q
 *
 * A limit of the metadata: psqlODBC reports `timestamptz` and `timestamp` alike, but PostgreSQL's
 * text of a `timestamptz` carries its offset, which is kept; MariaDB's TIMESTAMP and DATETIME are
 * alike too, and both are read as wall clock in the source's zone (a TIMESTAMP column prints UTC in
 * the agent's session: convert it in the SQL, or read it through a table mapping).
 */
import type { ColumnKind, DialectName } from '../dialects/index.ts';
import type { OdbcColumn } from '../odbc-driver.ts';

export interface QueryColumn {
  name: string;
  kind: ColumnKind;
  /** SQL of the column's text, referring to the wrapped query as `q`. */
  select: string;
}

const KINDS: Record<string, ColumnKind> = {
  SQL_DECIMAL: 'decimal',
  SQL_NUMERIC: 'decimal',
  SQL_TINYINT: 'integer',
  SQL_SMALLINT: 'integer',
  SQL_INTEGER: 'integer',
  SQL_BIGINT: 'integer',
  SQL_REAL: 'float',
  SQL_FLOAT: 'float',
  SQL_DOUBLE: 'float',
  SQL_BIT: 'boolean',
  SQL_BOOLEAN: 'boolean',
  SQL_TYPE_DATE: 'date',
  SQL_DATE: 'date',
  SQL_TYPE_TIMESTAMP: 'timestamp',
  SQL_TIMESTAMP: 'timestamp',
  SQL_DATETIME: 'timestamp',
  SQL_TYPE_TIME: 'time',
  SQL_TIME: 'time',
  SQL_BINARY: 'binary',
  SQL_VARBINARY: 'binary',
  SQL_LONGVARBINARY: 'binary',
};

/** Driver metadata → how each column is read back as text. */
export function queryColumns(dialect: DialectName, columns: readonly OdbcColumn[]): QueryColumn[] {
  return columns.map((column) => {
    const kind = KINDS[column.dataTypeName] ?? 'text';
    return { name: column.name, kind, select: textExpression(dialect, `q.${quote(dialect, column.name)}`, kind) };
  });
}

function textExpression(dialect: DialectName, ref: string, kind: ColumnKind): string {
  switch (dialect) {
    case 'postgresql':
      return kind === 'binary' ? `encode(${ref}, 'hex')` : `${ref}::text`;
    case 'mariadb':
      if (kind === 'binary') return `HEX(${ref})`;
      // BIT(1) as CHAR is the byte 0x00/0x01; `+ 0` makes it the number first.
      if (kind === 'boolean') return `CAST(${ref} + 0 AS CHAR)`;
      return `CAST(${ref} AS CHAR)`;
    case 'sqlite':
      return kind === 'binary' ? `CASE WHEN ${ref} IS NULL THEN NULL ELSE hex(${ref}) END` : `CAST(${ref} AS TEXT)`;
  }
}

export function quote(dialect: DialectName, name: string): string {
  return dialect === 'mariadb' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

/**
 * SQLite hands an expression over in a 255-character buffer (see dialects/sqlite.ts): a value that
 * fills it may have been cut, which a document must not carry silently.
 */
export const SQLITE_EXPRESSION_MAX_BYTES = 1020;
