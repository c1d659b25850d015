/**
 * "Test connection" for an ODBC source, in plain words: which database answered, and for each stream
 * whether its table and columns are there and readable by this user.
 */
import type { OdbcSourceConfig } from '../../api/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { CheckResult } from '../../pipeline/source.ts';
import { namedDriver } from './connection-string.ts';
import type { Dialect } from './dialects/index.ts';
import { pageQuery } from './keyset-query.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import { queryError } from './odbc-errors.ts';
import { START_POSITION } from './position.ts';
import { planStream } from './stream-plan.ts';
import { cellText } from './value-convert.ts';

export interface CheckRequest {
  connection: OdbcConnection;
  dialect: Dialect;
  config: OdbcSourceConfig;
  signal: AbortSignal;
}

export async function checkStreams(request: CheckRequest): Promise<CheckResult> {
  const { connection, dialect, config, signal } = request;
  const lines = [`Connected to ${await serverName(connection, dialect)} through ${driverText(config)}.`];
  let firstFailure: AgentError | null = null;
  for (const stream of config.streams) {
    signal.throwIfAborted();
    try {
      const plan = await planStream(connection, dialect, config.name, stream);
      const context = { dialect, source: config.name, stream: stream.name, table: plan.table.displayName };
      let nullCursors = false;
      try {
        // One row through the real page query proves the casts and the SELECT permission.
        const probe = pageQuery(plan, START_POSITION, 1, dialect);
        await connection.query(probe.sql, probe.parameters);
        const nulls = await connection.query(
          `SELECT 1 AS found FROM ${plan.table.from} WHERE ${plan.cursor.compare} IS NULL ${dialect.limitClause(1)}`,
        );
        nullCursors = nulls.length > 0;
      } catch (error) {
        throw queryError(error, context);
      }
      lines.push(
        `Stream "${stream.name}": table ${plan.table.displayName} is readable ` +
          `(${plan.table.columns.length} columns; cursor ${plan.cursor.name}, key ${plan.keys.map((k) => k.name).join(', ')}).` +
          (nullCursors
            ? ` Warning: some rows have no ${plan.cursor.name} value (NULL) and will not be read until it is set.`
            : ''),
      );
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      firstFailure ??= error;
      lines.push(`Stream "${stream.name}": ${withHint(error)}`);
    }
  }
  return firstFailure === null
    ? { ok: true, message: lines.join('\n') }
    : { ok: false, code: firstFailure.code, message: lines.join('\n') };
}

/** An error's message followed by what to do about it. */
export function withHint(error: AgentError): string {
  return error.hint === undefined ? error.message : `${error.message} ${error.hint}`;
}

async function serverName(connection: OdbcConnection, dialect: Dialect): Promise<string> {
  try {
    const rows = await connection.query(dialect.versionQuery);
    const version = cellText(rows[0]?.version, 'version');
    return version === null ? dialect.productName : `${dialect.productName} ${version}`;
  } catch {
    return dialect.productName;
  }
}

function driverText(config: OdbcSourceConfig): string {
  const driver = namedDriver(config.connectionString);
  if (driver.kind === 'dsn') return `DSN "${driver.name}"`;
  if (driver.kind === 'driver') return `ODBC driver "${driver.name}"`;
  return 'the default ODBC driver';
}
