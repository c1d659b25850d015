/**
 * One connection per source: the keychain password appended at connect, the dialect's session setup
 * run, and failures turned into typed errors that never contain the password.
 */
import type { OdbcSourceConfig } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { SourceContext } from '../../pipeline/source.ts';
import { describeTarget, namedDriver, withDefaults, withPassword } from './connection-string.ts';
import type { Dialect } from './dialects/index.ts';
import type { OdbcConnection, OdbcDriver } from './odbc-driver.ts';
import { connectError } from './odbc-errors.ts';
import { checkAnswersBeforeConnect, noteConnectOutcome, tcpEndpoint } from './connect-guard.ts';
import { isKnownTimeZone } from './zoned-time.ts';

const LOGIN_TIMEOUT_SECS = 15;

export interface OpenRequest {
  config: OdbcSourceConfig;
  /** Only the keychain is needed: exports open connections outside a source's run. */
  ctx: Pick<SourceContext, 'secrets'>;
  driver: OdbcDriver;
  dialect: Dialect;
  /** Tests shorten it; the agent waits LOGIN_TIMEOUT_SECS for a server to answer a connect. */
  loginTimeoutSecs?: number;
}

export async function openConnection(request: OpenRequest): Promise<OdbcConnection> {
  const { config, ctx, driver, dialect } = request;
  assertTimeZone(config);
  let connectionString = withDefaults(config.connectionString, dialect.connectDefaults);
  let password: string | undefined;
  if (config.password !== undefined) {
    password = await ctx.secrets.resolve(config.password.secretRef);
    connectionString = withPassword(connectionString, password);
  }
  const context = {
    dialect,
    source: config.name,
    target: describeTarget(config.connectionString),
    driver: namedDriver(config.connectionString),
  };
  let connection: OdbcConnection;
  const endpoint = tcpEndpoint(config.connectionString, dialect.defaultPort);
  const loginTimeoutSecs = request.loginTimeoutSecs ?? LOGIN_TIMEOUT_SECS;
  const loginTimeoutMs = loginTimeoutSecs * 1000;
  const started = Date.now();
  try {
    await checkAnswersBeforeConnect(endpoint, loginTimeoutMs);
    connection = await driver.connect({
      connectionString,
      loginTimeoutSecs,
      longValueBufferBytes: dialect.longValueBufferBytes,
    });
    noteConnectOutcome(endpoint, { ok: true, ms: Date.now() - started, loginTimeoutMs });
  } catch (error) {
    noteConnectOutcome(endpoint, { ok: false, ms: Date.now() - started, loginTimeoutMs });
    throw connectError(error, password === undefined ? context : { ...context, password });
  }
  try {
    for (const sql of dialect.sessionSetup) await connection.query(sql);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw connectError(error, context);
  }
  for (const sql of dialect.sessionHints ?? []) {
    // Only a tuning: a server that does not know the setting is read as it is.
    await connection.query(sql).catch(() => undefined);
  }
  if (config.queryTimeoutSecs > 0) await limitQueryTime(connection, dialect.queryTimeout(config.queryTimeoutSecs));
  return connection;
}

/** The first statement the server accepts sets the limit; one that knows none is read without it. */
async function limitQueryTime(connection: OdbcConnection, statements: readonly string[]): Promise<void> {
  for (const sql of statements) {
    const accepted = await connection.query(sql).then(
      () => true,
      () => false,
    );
    if (accepted) return;
  }
}

function assertTimeZone(config: OdbcSourceConfig): void {
  if (!isKnownTimeZone(config.timeZone)) {
    throw new PermanentError(
      'odbc_bad_time_zone',
      `Source "${config.name}": timeZone "${config.timeZone}" is not an IANA time zone this system knows.`,
      { hint: 'Use a name such as "Europe/Berlin" or "America/New_York" (the zone the database clock shows).' },
    );
  }
}
