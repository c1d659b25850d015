/**
 * ODBC catalog discovery for "which tables can the agent read?": schemas, tables and columns with
 * their types, nullability and primary keys, per dialect from the database's own catalog
 * (PostgreSQL pg_catalog, MariaDB information_schema, SQLite pragmas). PostgreSQL's catalog lists
 * tables this user may not read too, marked as such, which is what an admin needs to see.
 */
import { assertNever } from '../../../pipeline/errors.ts';
import type { Dialect } from '../dialects/index.ts';
import { splitTableName } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';

export interface CatalogTable {
  /** Schema (PostgreSQL), database (MariaDB) or attached database (SQLite). */
  schema: string;
  name: string;
  kind: 'table' | 'view';
  /** False when the table is listed but this user may not SELECT from it (PostgreSQL only). */
  readable: boolean;
}

export interface CatalogColumn {
  name: string;
  /** The database's type as it prints it, e.g. `numeric(15,2)`, `varchar(255)`, `DOUBLE`. */
  type: string;
  nullable: boolean;
  /** 1-based position in the primary key, or null when not part of it. */
  primaryKey: number | null;
}

export interface TableDescription {
  table: CatalogTable;
  columns: CatalogColumn[];
}

const LIMIT = 'LIMIT 100000';

export async function listSchemas(connection: OdbcConnection, dialect: Dialect): Promise<string[]> {
  const sql = ((): string => {
    switch (dialect.name) {
      case 'postgresql':
        return `SELECT nspname::text AS name FROM pg_catalog.pg_namespace
          WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%' AND has_schema_privilege(oid, 'USAGE') ORDER BY 1 ${LIMIT}`;
      case 'mariadb':
        return `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA
          WHERE SCHEMA_NAME NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY 1 ${LIMIT}`;
      case 'sqlite':
        return `SELECT name FROM pragma_database_list ORDER BY seq ${LIMIT}`;
      default:
        return assertNever(dialect.name, 'dialect');
    }
  })();
  const rows = await connection.query(sql);
  return rows.map((row) => text(row.name));
}

/** Tables and views, of one schema or of every non-system schema (MariaDB: the current database). */
export async function listTables(connection: OdbcConnection, dialect: Dialect, schema?: string): Promise<CatalogTable[]> {
  switch (dialect.name) {
    case 'postgresql': {
      const rows = await connection.query(
        `SELECT n.nspname::text AS table_schema, c.relname::text AS table_name, c.relkind::text AS kind,
           CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN 'yes' ELSE 'no' END AS readable
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
           AND (CAST(? AS text) = '' OR n.nspname = CAST(? AS text)) AND NOT c.relispartition
         ORDER BY 1, 2 ${LIMIT}`,
        [schema ?? '', schema ?? ''],
      );
      return rows.map((row) => ({
        schema: text(row.table_schema),
        name: text(row.table_name),
        kind: ['v', 'm'].includes(text(row.kind)) ? 'view' : 'table',
        readable: text(row.readable) === 'yes',
      }));
    }
    case 'mariadb': {
      const rows = await connection.query(
        `SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, TABLE_TYPE AS table_type FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) ORDER BY 1, 2 ${LIMIT}`,
        [schema ?? ''],
      );
      return rows.map((row) => ({
        schema: text(row.table_schema),
        name: text(row.table_name),
        kind: text(row.table_type).toUpperCase().includes('VIEW') ? 'view' : 'table',
        readable: true,
      }));
    }
    case 'sqlite': {
      const from = schema === undefined || schema === '' ? 'sqlite_master' : `${dialect.quoteIdentifier(schema)}.sqlite_master`;
      const rows = await connection.query(
        `SELECT name, type FROM ${from} WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name ${LIMIT}`,
      );
      return rows.map((row) => ({
        schema: schema ?? 'main',
        name: text(row.name),
        kind: text(row.type) === 'view' ? 'view' : 'table',
        readable: true,
      }));
    }
    default:
      return assertNever(dialect.name, 'dialect');
  }
}

/** A table's columns with types and primary key, or null when there is no such table (visible to this user). */
export async function describeColumns(connection: OdbcConnection, dialect: Dialect, table: string): Promise<TableDescription | null> {
  const ref = splitTableName(table);
  switch (dialect.name) {
    case 'postgresql': {
      // to_regclass resolves the name like SQL does (search path, case folding); the exact spelling is the fallback.
      const found = await connection.query(
        `SELECT n.nspname::text AS table_schema, c.relname::text AS table_name, c.relkind::text AS kind,
           CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN 'yes' ELSE 'no' END AS readable, c.oid::text AS oid
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = to_regclass(CAST(? AS text))
            OR (c.relname = CAST(? AS text) AND (CAST(? AS text) = '' OR n.nspname = CAST(? AS text)) AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))
         ORDER BY (c.oid = to_regclass(CAST(? AS text))) DESC LIMIT 1`,
        [table, ref.table, ref.schema ?? '', ref.schema ?? '', table],
      );
      const row = found[0];
      if (row === undefined) return null;
      const columns = await connection.query(
        `SELECT a.attname::text AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type,
           CASE WHEN a.attnotnull THEN 'no' ELSE 'yes' END AS nullable,
           (SELECT array_position(con.conkey, a.attnum) FROM pg_catalog.pg_constraint con
             WHERE con.conrelid = a.attrelid AND con.contype = 'p')::text AS pk_position
         FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = CAST(? AS oid) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum ${LIMIT}`,
        [text(row.oid)],
      );
      return {
        table: {
          schema: text(row.table_schema),
          name: text(row.table_name),
          kind: ['v', 'm'].includes(text(row.kind)) ? 'view' : 'table',
          readable: text(row.readable) === 'yes',
        },
        columns: columns.map((c) => column(c.column_name, c.data_type, text(c.nullable) === 'yes', c.pk_position)),
      };
    }
    case 'mariadb': {
      const found = await connection.query(
        `SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, TABLE_TYPE AS table_type FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND LOWER(TABLE_NAME) = LOWER(?)
         ORDER BY (BINARY TABLE_NAME = ?) DESC LIMIT 1`,
        [ref.schema ?? '', ref.table, ref.table],
      );
      const row = found[0];
      if (row === undefined) return null;
      const columns = await connection.query(
        `SELECT c.COLUMN_NAME AS column_name, c.COLUMN_TYPE AS data_type, c.IS_NULLABLE AS nullable,
           CAST(k.ORDINAL_POSITION AS CHAR) AS pk_position
         FROM information_schema.COLUMNS c LEFT JOIN information_schema.KEY_COLUMN_USAGE k
           ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY'
         WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ? ORDER BY c.ORDINAL_POSITION ${LIMIT}`,
        [text(row.table_schema), text(row.table_name)],
      );
      return {
        table: {
          schema: text(row.table_schema),
          name: text(row.table_name),
          kind: text(row.table_type).toUpperCase().includes('VIEW') ? 'view' : 'table',
          readable: true,
        },
        columns: columns.map((c) => column(c.column_name, c.data_type, text(c.nullable).toUpperCase() === 'YES', c.pk_position)),
      };
    }
    case 'sqlite': {
      const info =
        ref.schema === null
          ? await connection.query(`SELECT name, type, "notnull" AS not_null, pk FROM pragma_table_info(?) ${LIMIT}`, [ref.table])
          : await connection.query(`SELECT name, type, "notnull" AS not_null, pk FROM pragma_table_info(?, ?) ${LIMIT}`, [ref.table, ref.schema]);
      if (info.length === 0) return null;
      const from = ref.schema === null ? 'sqlite_master' : `${dialect.quoteIdentifier(ref.schema)}.sqlite_master`;
      const kind = await connection.query(`SELECT type FROM ${from} WHERE name = ? COLLATE NOCASE LIMIT 1`, [ref.table]);
      return {
        table: { schema: ref.schema ?? 'main', name: ref.table, kind: text(kind[0]?.type) === 'view' ? 'view' : 'table', readable: true },
        columns: info.map((c) => column(c.name, c.type, text(c.not_null) === '0', text(c.pk) === '0' ? null : c.pk)),
      };
    }
    default:
      return assertNever(dialect.name, 'dialect');
  }
}

/** `money, host` for a primary key, in key order. */
export function primaryKeyOf(columns: readonly CatalogColumn[]): string[] {
  return columns
    .filter((c) => c.primaryKey !== null)
    .sort((a, b) => a.primaryKey! - b.primaryKey!)
    .map((c) => c.name);
}

function column(name: unknown, type: unknown, nullable: boolean, pk: unknown): CatalogColumn {
  const position = text(pk);
  return { name: text(name), type: text(type) || '(none)', nullable, primaryKey: position === '' ? null : Number(position) };
}

/** A catalog cell as text ('' for NULL): catalogs hand numbers back as numbers or bigints. */
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}
