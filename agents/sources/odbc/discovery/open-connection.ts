/**
 * One connection for discovery and diagnosis, opened exactly as the source opens its own: password
 * from the keychain, the dialect's session setup (UTC, ISO dates), failures classified with a hint.
 */
import type { OdbcSourceConfig } from '../../../api/index.ts';
import type { SecretResolver } from '../../../pipeline/source.ts';
import { describeTarget, namedDriver, withPassword } from '../connection-string.ts';
import type { Dialect } from '../dialects/index.ts';
import { dialectFor } from '../dialects/index.ts';
import type { OdbcConnection, OdbcDriver } from '../odbc-driver.ts';
import { nodeOdbcDriver } from '../odbc-driver.ts';
import { connectError } from '../odbc-errors.ts';

export interface OpenedConnection {
  connection: OdbcConnection;
  dialect: Dialect;
}

export async function openSourceConnection(
  config: OdbcSourceConfig,
  secrets: SecretResolver,
  driver: OdbcDriver = nodeOdbcDriver,
): Promise<OpenedConnection> {
  const dialect = dialectFor(config.dialect);
  const context = {
    dialect,
    source: config.name,
    target: describeTarget(config.connectionString),
    driver: namedDriver(config.connectionString),
  };
  let connectionString = config.connectionString;
  let password: string | undefined;
  if (config.password !== undefined) {
    password = await secrets.resolve(config.password.secretRef);
    connectionString = withPassword(connectionString, password);
  }
  let connection: OdbcConnection;
  try {
    connection = await driver.connect({ connectionString, loginTimeoutSecs: 15 });
  } catch (error) {
    throw connectError(error, { ...context, ...(password === undefined ? {} : { password }) });
  }
  try {
    for (const sql of dialect.sessionSetup) await connection.query(sql);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw connectError(error, context);
  }
  return { connection, dialect };
}
