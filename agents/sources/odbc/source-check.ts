/**
 * "Test connection" for an ODBC source, in plain words: which database answered, and for each stream
 * whether its table and columns are there and readable by this user.
 */
import type { OdbcSourceConfig } from '../../api/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { CheckResult } from '../../pipeline/source.ts';
import { namedDriver } from './connection-string.ts';
import type { Dialect, RowHashSql } from './dialects/index.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import { queryError } from './odbc-errors.ts';
import { scanQuery } from './scan-query.ts';
import { resolveRowHash } from './snapshot/row-hash-sql.ts';
import type { StreamPlan } from './stream-plan.ts';
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
        // One row through the real query proves the casts, the hash and the SELECT permission.
        const rowHash = plan.mode === 'snapshot' ? await resolveRowHash(connection, dialect) : undefined;
        const probe = probeQuery(plan, dialect, rowHash);
        await connection.query(probe.sql, probe.parameters);
        if (plan.cursors.length > 0) {
          const isNull = plan.cursors.map((cursor) => `${cursor.compare} IS NULL`).join(' OR ');
          const nulls = await connection.query(`SELECT 1 AS found FROM ${plan.table.from} WHERE ${isNull} ${dialect.limitClause(1)}`);
          nullCursors = nulls.length > 0;
        }
      } catch (error) {
        throw queryError(error, context);
      }
      const cursorNames = plan.cursors.map((c) => c.name).join(', ');
      lines.push(
        `Stream "${stream.name}": table ${plan.table.displayName} is readable ` +
          `(${plan.table.columns.length} columns; ${modeText(plan)}, key ${plan.keys.map((k) => k.name).join(', ')}).` +
          (nullCursors ? ` Warning: some rows have no ${cursorNames} value (NULL) and will not be read until it is set.` : ''),
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

function probeQuery(plan: StreamPlan, dialect: Dialect, rowHash: RowHashSql | undefined) {
  const hash = rowHash?.hex(plan.table.columns);
  return scanQuery({
    table: plan.table,
    dialect,
    order: [...plan.cursors, ...plan.keys],
    lower: { type: 'start' },
    limit: 1,
    extra: hash === undefined ? [] : [`${hash} AS row_hash`],
    notNull: plan.cursors,
  });
}

function modeText(plan: StreamPlan): string {
  switch (plan.mode) {
    case 'cursor':
      return `cursor ${plan.cursors.map((c) => c.name).join(', ')}`;
    case 'append':
      return 'append mode';
    case 'snapshot':
      return 'snapshot mode';
  }
}
