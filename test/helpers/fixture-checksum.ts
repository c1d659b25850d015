/**
 * Per-table proof that a synced table arrived whole: the row count and an order-independent digest,
 * computed once by the database itself in SQL and once over the JSON the cloud stored.
 *
 * Row rendering: each column as the text the wire format promises (cloud-api.md / DESIGN.md §4),
 * derived in SQL from the database's own text cast: numbers, dates and strings as the database
 * prints them; booleans `true`/`false`; binary as base64; naive timestamps as RFC 3339 in UTC (the
 * test sources run with `timeZone: 'UTC'`). NULL is \x01, columns are joined with \x1f. On the cloud
 * side a JSON string is taken as it is, a boolean as `true`/`false`, null as \x01.
 *
 * Digest: the rows' hashes (md5 on PostgreSQL and MariaDB, sha3-256 on SQLite, whose shell has no
 * md5) sorted, concatenated and hashed again: independent of row order, sensitive to duplicates.
 */
import { createHash } from 'node:crypto';
import type { OdbcStreamConfig } from '../../agents/api/index.ts';
import type { FixtureDatabase, FixtureDialect } from './fixture-databases.ts';

export interface FixtureColumn {
  name: string;
  /** The database's type as its catalog spells it (`timestamp without time zone`, `decimal(5,2)`, `NVARCHAR(40)`). */
  type: string;
}

export interface FixtureTable {
  name: string;
  columns: FixtureColumn[];
  primaryKey: string[];
  /** A timestamp column named like an updated-at column, if any. */
  updatedAt: string | null;
}

/** A throwaway database and its dialect (a loaded fixture or a table a test generated). */
export type DatabaseRef = Pick<FixtureDatabase, 'db' | 'dialect'>;

export interface TableDigest {
  count: number;
  digest: string;
}

const NULL_MARK = '\x01';
const FIELD_SEP = '\x1f';
const UPDATED_AT = /^(last_?update|updated_?at|last_?modified|modified_?at)$/i;

/** Base tables (not views) with columns in table order and their primary key. */
export async function describeFixtureTables(fixture: DatabaseRef): Promise<FixtureTable[]> {
  const { db, dialect } = fixture;
  let rows: (string | null)[][];
  if (dialect === 'sqlite') {
    rows = await db.query(
      `SELECT m.name, p.name, p.type, p.pk FROM sqlite_master m, pragma_table_info(m.name) p
       WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`,
    );
  } else {
    const schemaFilter = dialect === 'postgresql' ? "c.table_schema = 'public'" : 'c.table_schema = DATABASE()';
    const type = dialect === 'postgresql' ? 'c.data_type' : 'c.column_type';
    rows = await db.query(
      `SELECT c.table_name, c.column_name, ${type},
         COALESCE((SELECT CAST(k.ordinal_position AS CHAR(10)) FROM information_schema.key_column_usage k
           JOIN information_schema.table_constraints t
             ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema AND t.table_name = k.table_name
           WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema
             AND k.table_name = c.table_name AND k.column_name = c.column_name), '0')
       FROM information_schema.columns c JOIN information_schema.tables b
         ON b.table_schema = c.table_schema AND b.table_name = c.table_name AND b.table_type = 'BASE TABLE'
       WHERE ${schemaFilter} ORDER BY c.table_name, c.ordinal_position`,
    );
  }
  const tables = new Map<string, { columns: FixtureColumn[]; keys: Array<[number, string]> }>();
  for (const [table, column, type, pk] of rows) {
    const entry = tables.get(table!) ?? { columns: [], keys: [] };
    entry.columns.push({ name: column!, type: type ?? '' });
    if (Number(pk) > 0) entry.keys.push([Number(pk), column!]);
    tables.set(table!, entry);
  }
  return [...tables].map(([name, { columns, keys }]) => ({
    name,
    columns,
    primaryKey: keys.sort((a, b) => a[0] - b[0]).map(([, column]) => column),
    updatedAt: columns.find((c) => UPDATED_AT.test(c.name) && /time|date/i.test(c.type))?.name ?? null,
  }));
}

/**
 * The stream that reads a table completely: cursor on the updated-at column with the primary key as
 * tiebreak, or on the primary key itself; a table without a primary key is keyed by all its columns.
 */
export function streamForTable(table: FixtureTable, pageRows: number): { stream: OdbcStreamConfig; note: string } {
  const keyColumns = table.primaryKey.length > 0 ? table.primaryKey : table.columns.map((c) => c.name);
  const cursorColumn = table.updatedAt ?? keyColumns[0]!;
  const note =
    table.primaryKey.length === 0
      ? `${table.name}: no primary key, keyed by all ${keyColumns.length} columns, cursor ${cursorColumn}`
      : `${table.name}: cursor ${cursorColumn}, key (${keyColumns.join(', ')})`;
  return {
    stream: { name: table.name.toLowerCase(), table: table.name, keyColumns, cursorColumn, lane: 'bulk', pageRows },
    note,
  };
}

/** Count and digest computed by the database in SQL. */
export async function databaseDigest(fixture: DatabaseRef, table: FixtureTable): Promise<TableDigest> {
  const { db, dialect } = fixture;
  let sql: string;
  switch (dialect) {
    case 'postgresql': {
      const row = table.columns.map((c) => `coalesce(${postgresRender(c)}, chr(1))`).join(', ');
      sql = `SET TIME ZONE 'UTC'; SET DateStyle = ISO, YMD;
        SELECT count(*)::text, coalesce(md5(string_agg(h, '' ORDER BY h COLLATE "C")), '')
        FROM (SELECT md5(concat_ws(chr(31), ${row})) AS h FROM ${quoteDouble(table.name)}) s`;
      break;
    }
    case 'mariadb': {
      const row = table.columns.map((c) => `COALESCE(${mariadbRender(c)}, CHAR(1 USING utf8mb4))`).join(', ');
      sql = `SET SESSION time_zone = '+00:00'; SET SESSION group_concat_max_len = 1073741824;
        SELECT CAST(COUNT(*) AS CHAR), COALESCE(MD5(GROUP_CONCAT(h ORDER BY BINARY h SEPARATOR '')), '')
        FROM (SELECT MD5(CONCAT_WS(CHAR(31 USING utf8mb4), ${row})) AS h FROM \`${table.name}\`) s`;
      break;
    }
    case 'sqlite': {
      const row = table.columns.map((c) => `coalesce(${sqliteRender(c)}, char(1))`).join(` || char(31) || `);
      // group_concat keeps the subquery's order in practice; SQLite 3.40 has no ORDER BY inside aggregates.
      sql = `SELECT count(*), coalesce(lower(hex(sha3(group_concat(h, '')))), '')
        FROM (SELECT lower(hex(sha3(${row}))) AS h FROM ${quoteDouble(table.name)} ORDER BY h)`;
      break;
    }
  }
  const [result] = await db.query(sql);
  return { count: Number(result![0]), digest: result![1] ?? '' };
}

/** The same count and digest over the rows the cloud holds (latest record per key); rows may stream in. */
export function cloudDigest(
  dialect: FixtureDialect,
  table: FixtureTable,
  rows: Iterable<Record<string, unknown>>,
): TableDigest & { badColumns: string[] } {
  const algorithm = dialect === 'sqlite' ? 'sha3-256' : 'md5';
  const hash = (text: string) => createHash(algorithm).update(text, 'utf8').digest('hex');
  const names = table.columns.map((c) => c.name);
  const expected = [...names].sort().join(',');
  const badColumns = new Set<string>();
  const hashes: string[] = [];
  for (const data of rows) {
    const keys = Object.keys(data).sort().join(',');
    if (keys !== expected) badColumns.add(keys);
    hashes.push(hash(names.map((name) => cloudText(data[name])).join(FIELD_SEP)));
  }
  hashes.sort();
  return {
    count: hashes.length,
    digest: hashes.length === 0 ? '' : hash(hashes.join('')),
    badColumns: [...badColumns],
  };
}

function cloudText(value: unknown): string {
  if (value === null) return NULL_MARK;
  if (value === undefined) return '\x02';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  // A number (or anything else) is not what the wire format promises: make it differ.
  return `\x03${JSON.stringify(value)}`;
}

function quoteDouble(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function postgresRender(column: FixtureColumn): string {
  const q = quoteDouble(column.name);
  switch (column.type) {
    case 'bytea':
      return `translate(encode(${q}, 'base64'), E'\\n', '')`;
    case 'timestamp without time zone':
      return `CASE WHEN isfinite(${q}) THEN replace(${q}::text, ' ', 'T') || '+00:00' ELSE ${q}::text END`;
    case 'timestamp with time zone':
      return `CASE WHEN isfinite(${q}) THEN replace((${q} AT TIME ZONE 'UTC')::text, ' ', 'T') || '+00:00' ELSE ${q}::text END`;
    case 'money':
      return `${q}::numeric::text`;
    default:
      // boolean::text is already true/false; numbers, dates, enums, arrays print as PostgreSQL prints them.
      return `${q}::text`;
  }
}

function mariadbRender(column: FixtureColumn): string {
  const q = `\`${column.name.replaceAll('`', '``')}\``;
  const type = column.type.toLowerCase();
  const utf8 = (sql: string) => `CONVERT(${sql} USING utf8mb4)`;
  if (type.startsWith('tinyint(1)')) {
    return utf8(`CASE ${q} WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE CAST(${q} AS CHAR) END`);
  }
  if (/^(tiny|medium|long)?blob|^(var)?binary/.test(type)) return utf8(`REPLACE(TO_BASE64(${q}), CHAR(10), '')`);
  if (/^(datetime|timestamp)/.test(type)) {
    return utf8(
      `CASE WHEN MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0 THEN CAST(${q} AS CHAR) ` +
        `ELSE CONCAT(REPLACE(CAST(${q} AS CHAR), ' ', 'T'), '+00:00') END`,
    );
  }
  if (/^(tiny|small|medium|big)?int|^decimal|^numeric|^float|^double|^date|^time|^year/.test(type)) {
    return utf8(`CAST(${q} AS CHAR)`);
  }
  return utf8(q);
}

function sqliteRender(column: FixtureColumn): string {
  const q = quoteDouble(column.name);
  const type = column.type.toUpperCase();
  if (type.includes('BLOB'))
    throw new Error(`SQLite column ${column.name} (${column.type}): the shell has no base64 to render it.`);
  if (type.includes('DATETIME') || type.includes('TIMESTAMP')) {
    return (
      `CASE WHEN ${q} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]' ` +
      `THEN replace(${q}, ' ', 'T') || '+00:00' ELSE CAST(${q} AS TEXT) END`
    );
  }
  return `CAST(${q} AS TEXT)`;
}

/** Exact sum of decimal strings (`'4.99'`, `'-0.5'`) printed with `scale` fraction digits; never through a JS number. */
export function decimalSum(values: readonly string[], scale = 2): string {
  let total = 0n;
  for (const value of values) {
    const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
    if (match === null) throw new Error(`"${value}" is not a decimal string`);
    const [, sign, whole, fraction = ''] = match;
    if (fraction.length > scale) throw new Error(`"${value}" has more than ${scale} fraction digits`);
    const units = BigInt(`${whole}${fraction.padEnd(scale, '0')}`);
    total += sign === '-' ? -units : units;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
