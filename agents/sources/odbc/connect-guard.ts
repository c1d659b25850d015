/**
 * Keeps a database server that does not answer from stalling every other ODBC source of the agent.
 *
 * The `odbc` package holds one process-wide lock for the whole of `SQLDriverConnect`, and every query
 * needs that lock to allocate its statement. A connect to a server that drops packets (a firewall, a
 * server being rebooted) waits the full login timeout, and measured here a SQLite source's `SELECT`
 * waited 14.8 s behind one such PostgreSQL connect (agents/sources/odbc/README.md). So once a connect
 * to a host and port has run into its timeout, later connects there first check in JavaScript, outside
 * that lock, that something accepts a TCP connection; only then does the driver get the connect.
 *
 * Only then, not every time: a probe that opens and closes a TCP connection is logged by PostgreSQL
 * ("incomplete startup packet") and counted by MariaDB towards `max_connect_errors`, which blocks a host
 * after 100 of them without a successful login. A server that refuses at once or rejects a password
 * costs the others nothing and is never probed.
 */
import net from 'node:net';
import { parseConnectionString } from './connection-string.ts';

export interface TcpEndpoint {
  host: string;
  port: number;
}

/** A plain host name or IPv4 address: anything else (a list, a socket path, IPv6) is left to the driver. */
const PLAIN_HOST = /^[A-Za-z0-9][A-Za-z0-9.\-_]*$/;

/** Where a DSN-less connection string connects over TCP; null for a DSN, a file or a form not understood. */
export function tcpEndpoint(connectionString: string, defaultPort: number | undefined): TcpEndpoint | null {
  if (defaultPort === undefined) return null;
  const pairs = parseConnectionString(connectionString);
  if (pairs.has('dsn') || pairs.has('socket')) return null;
  const host = pairs.get('server') ?? pairs.get('host') ?? pairs.get('servername');
  if (host === undefined || !PLAIN_HOST.test(host)) return null;
  const portText = pairs.get('port');
  const port = portText === undefined ? defaultPort : Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) return null;
  return { host, port };
}

/** Endpoints whose last connect ran into the login timeout. */
const unanswered = new Set<string>();
const keyOf = (endpoint: TcpEndpoint) => `${endpoint.host}:${endpoint.port}`;

/** A connect that took (nearly) the whole login timeout was not answered: probe there next time. */
export function noteConnectOutcome(endpoint: TcpEndpoint | null, outcome: { ok: boolean; ms: number; loginTimeoutMs: number }): void {
  if (endpoint === null) return;
  if (outcome.ok) unanswered.delete(keyOf(endpoint));
  else if (outcome.ms >= outcome.loginTimeoutMs * 0.8) unanswered.add(keyOf(endpoint));
}

/**
 * Before a connect to an endpoint that did not answer last time: throws, in the words the driver
 * would use ("could not connect … timeout"), when nothing accepts a TCP connection within `timeoutMs`.
 */
export async function checkAnswersBeforeConnect(endpoint: TcpEndpoint | null, timeoutMs: number): Promise<void> {
  if (endpoint === null || !unanswered.has(keyOf(endpoint))) return;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(`could not connect to ${keyOf(endpoint)}: ${why} (checked before the ODBC driver, which timed out there last time)`));
    };
    socket.setTimeout(timeoutMs, () => fail(`timeout after ${Math.round(timeoutMs / 1000)} s`));
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}
