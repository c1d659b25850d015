/**
 * Turns what unixODBC and the drivers throw into the agent's typed errors, with a hint a person can
 * act on. The `odbc` package puts the driver's diagnostics on `error.odbcErrors` as
 * `{state, code, message}`; SQLSTATE is the portable part, the native code and text fill the gaps
 * (psqlODBC reports every connect failure as 08001; unixODBC reports a missing driver library as
 * 01000 "Can't open lib").
 */
import { AgentError, BackOffError, NotConnectedError, PermanentError } from '../../pipeline/errors.ts';
import type { Dialect } from './dialects/index.ts';

export interface OdbcDiagnostic {
  state: string;
  code: number;
  message: string;
}

export function odbcDiagnostics(error: unknown): OdbcDiagnostic[] {
  const list = (error as { odbcErrors?: unknown } | null)?.odbcErrors;
  if (!Array.isArray(list)) {
    return [{ state: '', code: 0, message: error instanceof Error ? error.message : String(error) }];
  }
  return list.map((entry: Partial<OdbcDiagnostic>) => ({
    state: String(entry.state ?? ''),
    code: Number(entry.code ?? 0),
    message: String(entry.message ?? '').trim(),
  }));
}

/** "08001: connection to server … failed" for messages; secrets removed, one line. */
export function describeDiagnostics(diagnostics: OdbcDiagnostic[], secret?: string): string {
  const text = diagnostics
    .map((d) => (d.state ? `${d.state}: ${d.message}` : d.message))
    .join('; ')
    .replace(/\s+/g, ' ');
  return scrubPassword(text, secret);
}

/** Removes a password from driver text: any `PWD=…` pair, and the value raw or brace-escaped. */
export function scrubPassword(text: string, secret?: string): string {
  let scrubbed = text.replace(/\b(pwd|password)=(\{(?:[^}]|\}\})*\}|[^;]*)/gi, '$1=[REDACTED]');
  if (secret) {
    for (const form of [secret.replaceAll('}', '}}'), secret]) scrubbed = scrubbed.replaceAll(form, '[REDACTED]');
  }
  return scrubbed;
}

export interface ConnectContext {
  dialect: Dialect;
  source: string;
  /** Where the connection string points, without credentials, e.g. `127.0.0.1:5432, database pos`. */
  target: string;
  /** The driver or DSN the connection string names. */
  driver: { kind: 'driver' | 'dsn' | 'none'; name: string };
  password?: string;
}

const LOST_CONNECTION_STATES = new Set(['08S01', '08003', '08007', '57P01', '57P02', '57P03']);
// MariaDB client errors: can't connect (2002/2003/2005), server gone away / lost (2006/2013).
const MARIADB_CONNECTION_CODES = new Set([2002, 2003, 2005, 2006, 2013]);

/** Classifies a failed `odbc.connect` as NotConnectedError (the engine retries with backoff). */
export function connectError(error: unknown, context: ConnectContext): AgentError {
  if (error instanceof AgentError) return error;
  const diagnostics = odbcDiagnostics(error);
  const detail = describeDiagnostics(diagnostics, context.password);
  const { dialect, source, target, driver } = context;
  const all = diagnostics.map((d) => d.message).join(' ');
  const states = new Set(diagnostics.map((d) => d.state));
  const intro = `Source "${source}" could not connect to ${dialect.productName} (${target})`;

  if (states.has('IM002') || /Can't open lib|Data source name not found/i.test(all)) {
    const what =
      driver.kind === 'dsn'
        ? `the DSN "${driver.name}" is not defined`
        : `the ODBC driver "${driver.name || '(none named)'}" is not installed or not registered`;
    return new NotConnectedError('odbc_driver_missing', `${intro}: ${what}. (${detail})`, {
      hint:
        driver.kind === 'dsn'
          ? `Define "${driver.name}" in odbc.ini (list them with: odbcinst -q -s), or use a DSN-less connection ` +
            `string such as Driver={${dialect.driverName}};… .`
          : `Install the driver: sudo apt-get install ${dialect.debianPackage} (it registers "${dialect.driverName}"). ` +
            `Installed drivers are listed by: odbcinst -q -d; the connection string must name one exactly.`,
    });
  }
  if (states.has('28000') || /password authentication failed|access denied|role .* does not exist/i.test(all)) {
    return new NotConnectedError('odbc_login_failed', `${intro}: the login was refused. (${detail})`, {
      hint: 'Check the user (Uid=) in the connection string and the password stored in the keychain for this source.',
    });
  }
  if (/database .* does not exist|unknown database/i.test(all)) {
    return new NotConnectedError('odbc_database_missing', `${intro}: the database does not exist. (${detail})`, {
      hint: 'Check Database= in the connection string.',
    });
  }
  if (dialect.name === 'sqlite') {
    return new NotConnectedError('odbc_connect_failed', `${intro}: the database file could not be opened. (${detail})`, {
      hint: "Check the path in Database= and that the agent's user may read the file and its folder.",
    });
  }
  const refused =
    states.has('08001') ||
    diagnostics.some((d) => MARIADB_CONNECTION_CODES.has(d.code)) ||
    /connection refused|can't connect|could not connect|timeout/i.test(all);
  return new NotConnectedError('odbc_connect_failed', `${intro}. (${detail})`, {
    hint: refused
      ? `Check that ${dialect.productName} is running and reachable at Server=/Port= in the connection string ` +
        '(host, port, firewall).'
      : 'Check the connection string and that the database server is running.',
  });
}

/** After a query the server stopped for its time limit: the blocked read was the wait already. */
const QUERY_TIMEOUT_RETRY_MS = 30_000;
// MariaDB's max_statement_time (1969) and MySQL's max_execution_time (3024).
const STATEMENT_TIME_CODES = new Set([1969, 3024]);

/** PostgreSQL says 57014 for any cancel; only its statement_timeout says so in words. */
function ranOutOfTime(diagnostics: OdbcDiagnostic[], all: string): boolean {
  return (
    diagnostics.some((d) => STATEMENT_TIME_CODES.has(d.code)) ||
    /statement timeout|max_statement_time exceeded|maximum statement execution time exceeded/i.test(all)
  );
}

export interface QueryContext {
  dialect: Dialect;
  source: string;
  stream: string;
  table: string;
}

/** Classifies a failed query: lost connection, busy, missing object or permission, or unknown. */
export function queryError(error: unknown, context: QueryContext): AgentError {
  if (error instanceof AgentError) return error;
  const diagnostics = odbcDiagnostics(error);
  const detail = describeDiagnostics(diagnostics);
  const all = diagnostics.map((d) => d.message).join(' ');
  const states = new Set(diagnostics.map((d) => d.state));
  const where = `Source "${context.source}", stream "${context.stream}" (table ${context.table})`;

  if (
    [...states].some((state) => LOST_CONNECTION_STATES.has(state)) ||
    diagnostics.some((d) => MARIADB_CONNECTION_CODES.has(d.code)) ||
    /server closed the connection|no connection to the server|gone away|lost connection/i.test(all)
  ) {
    return new NotConnectedError('odbc_connection_lost', `${where}: the connection to ${context.dialect.productName} was lost. (${detail})`, {
      hint: 'The agent reconnects by itself; if this repeats, check the database server and the network.',
    });
  }
  if (ranOutOfTime(diagnostics, all)) {
    return new BackOffError(
      'odbc_query_timeout',
      `${where}: the query ran longer than the source's query time limit (queryTimeoutSecs) and ${context.dialect.productName} stopped it. (${detail})`,
      QUERY_TIMEOUT_RETRY_MS,
      {
        hint:
          'Another program may hold a lock on the table (a long report, a backup, an open transaction), or the query needs an index. ' +
          'The agent tries again by itself; if reads this long are expected, raise "queryTimeoutSecs" in the source\'s settings.',
      },
    );
  }
  if (states.has('40001') || states.has('40P01') || states.has('HYT00') || /database is locked|busy/i.test(all)) {
    return new BackOffError('odbc_busy', `${where}: the database is busy. (${detail})`, 2000);
  }
  if (states.has('42P01') || states.has('42S02') || /no such table/i.test(all)) {
    return new PermanentError('odbc_table_missing', `${where}: the table no longer exists. (${detail})`, {
      hint: 'Check the table name in the stream configuration.',
    });
  }
  if (states.has('42501') || /permission denied|command denied/i.test(all)) {
    return new PermanentError('odbc_permission_denied', `${where}: the database user may not read it. (${detail})`, {
      hint: 'Grant SELECT on the table to the user in the connection string.',
    });
  }
  return new AgentError('odbc_query_failed', `${where}: the query failed. (${detail})`);
}
