/**
 * Why can a table not be read: it does not exist, or this user may not SELECT from it. A catalog
 * cannot always tell (PostgreSQL's information_schema and MariaDB's hide tables the user has no
 * privilege on), so the table itself is asked with a query that reads no row.
 */
import { PermanentError } from '../../../pipeline/errors.ts';
import type { Dialect } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { odbcDiagnostics, describeDiagnostics } from '../odbc-errors.ts';

export type TableAccess =
  | { state: 'readable' }
  | { state: 'missing'; detail: string }
  | { state: 'denied'; detail: string; user: string | null }
  | { state: 'failed'; detail: string };

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

export async function probeTableAccess(connection: OdbcConnection, dialect: Dialect, table: string): Promise<TableAccess> {
  // The name goes into the SQL as written (unquoted, so it folds like the admin's own queries do):
  // only plain identifiers, as the config schema also requires.
  if (!PLAIN_NAME.test(table)) {
    throw new PermanentError('odbc_bad_table_name', `"${table}" is not a plain table name (letters, digits and _; optionally schema.table).`);
  }
  try {
    await connection.query(`SELECT 1 AS found FROM ${table} WHERE 1 = 0`);
    return { state: 'readable' };
  } catch (error) {
    const diagnostics = odbcDiagnostics(error);
    const detail = describeDiagnostics(diagnostics);
    const states = new Set(diagnostics.map((d) => d.state));
    const all = diagnostics.map((d) => d.message).join(' ');
    if (states.has('42501') || /permission denied|command denied|access denied/i.test(all)) {
      return { state: 'denied', detail, user: await currentUser(connection, dialect) };
    }
    if (states.has('42P01') || states.has('42S02') || /no such table|does not exist|doesn't exist/i.test(all)) {
      return { state: 'missing', detail };
    }
    return { state: 'failed', detail };
  }
}

/** The database user the connection logged in as (for a GRANT statement), or null. */
export async function currentUser(connection: OdbcConnection, dialect: Dialect): Promise<string | null> {
  if (dialect.name === 'sqlite') return null;
  try {
    const rows = await connection.query(dialect.name === 'postgresql' ? 'SELECT current_user::text AS name' : 'SELECT CURRENT_USER() AS name');
    const name = rows[0]?.name;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}

/** What an admin runs to let the agent read `table`. */
export function grantStatement(dialect: Dialect, table: string, user: string | null): string {
  const who = user ?? '<the agent user>';
  if (dialect.name === 'mariadb') {
    const [account, host] = who.split('@');
    return `GRANT SELECT ON ${table} TO '${account}'@'${host ?? '%'}';`;
  }
  return `GRANT SELECT ON ${table} TO ${who};`;
}
