/**
 * "Test connection" for every source in the config (each source's own `check()`), and for an ODBC
 * source whose tables cannot be read, why: the table does not exist, or this user may not SELECT
 * from it (then the GRANT an admin runs). Catalogs hide tables a user has no privilege on, so the
 * difference is asked of the table itself.
 */
import type { OdbcSourceConfig, SourceConfig } from '../../api/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { CheckResult, SecretResolver } from '../../pipeline/source.ts';
import { openSource } from '../../sources/index.ts';
import { grantStatement, openSourceConnection, probeTableAccess } from '../../sources/odbc/discovery/index.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import type { Finding } from './doctor-checks.ts';

const TABLE_PROBLEMS = new Set(['odbc_table_missing', 'odbc_permission_denied', 'odbc_column_missing', 'schema_drift']);

export async function checkSource(config: SourceConfig, secrets: SecretResolver, timeoutMs: number): Promise<Finding> {
  const source = await openSource(config, {
    checkpoints: { getCheckpoint: () => undefined, getCheckpointPart: () => undefined },
    secrets,
    logger: createSilentLogger(),
    clock: systemClock,
  });
  if (source.check === undefined) return { status: 'skip', text: `Source "${config.name}" (${config.type}) has no connection test.` };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new AgentError('check_timeout', 'The connection test took too long.')), timeoutMs);
  let result: CheckResult;
  try {
    result = await Promise.race([
      source.check(abort.signal),
      new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true })),
    ]);
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    result = { ok: false, code: error.code, message: `${error.message}${error.hint === undefined ? '' : ` ${error.hint}`}` };
  } finally {
    clearTimeout(timer);
  }
  const [first = '', ...rest] = result.message.split('\n');
  const finding: Finding = { status: result.ok ? 'ok' : 'fail', text: `Source "${config.name}": ${first}`, detail: rest };
  if (!result.ok && config.type === 'odbc' && result.code !== undefined && TABLE_PROBLEMS.has(result.code)) {
    finding.detail = [...(finding.detail ?? []), ...(await diagnoseTables(config, secrets))];
  }
  return finding;
}

/** One line per table of the source that cannot be read, saying why and what to do. */
export async function diagnoseTables(config: OdbcSourceConfig, secrets: SecretResolver): Promise<string[]> {
  let opened;
  try {
    opened = await openSourceConnection(config, secrets);
  } catch {
    return [];
  }
  const { connection, dialect } = opened;
  const lines: string[] = [];
  try {
    for (const table of sourceTables(config)) {
      const access = await probeTableAccess(connection, dialect, table).catch(() => null);
      if (access === null || access.state === 'readable') continue;
      if (access.state === 'denied') {
        lines.push(
          `Table ${table} exists, but the database user ${access.user ?? ''} may not read it (permission denied). ` +
            `A database admin can allow it with: ${grantStatement(dialect, table, access.user)}`,
        );
      } else if (access.state === 'missing') {
        lines.push(`Table ${table} does not exist in this database. Check the table name in the config and Database= in the connection string.`);
      } else {
        lines.push(`Table ${table} could not be read: ${access.detail}`);
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  return lines;
}

/** Every table a source reads: its streams', its documents' shift and child tables. */
function sourceTables(config: OdbcSourceConfig): string[] {
  const tables = config.streams.map((stream) => stream.table);
  for (const document of config.documents ?? []) {
    tables.push(document.shift.table);
    for (const child of [document.receipts, document.lines, document.payments]) if (child?.table !== undefined) tables.push(child.table);
  }
  return [...new Set(tables)];
}
