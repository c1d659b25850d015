/**
 * A server that drops connects (connect-guard.ts), with the real PostgreSQL ODBC driver and a real
 * SQLite ODBC connection standing for another source: a listener whose backlog is full drops every
 * further SYN, as a firewall or a rebooting server does. The first connect there holds the `odbc`
 * package's process-wide lock for its whole login timeout, and the other source's query waits for it;
 * the next connect is checked in JavaScript first and the other source's queries go on meanwhile.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import { NotConnectedError } from '../../pipeline/errors.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { tcpEndpoint } from './connect-guard.ts';
import { postgresqlDialect } from './dialects/postgresql.ts';
import { nodeOdbcDriver, type OdbcConnection } from './odbc-driver.ts';
import { openConnection } from './open-connection.ts';
import { memoryContext } from './test-harness.ts';

const BLACKHOLE = `
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
port = s.getsockname()[1]
fillers = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', port))
    except BlockingIOError: pass
    fillers.append(c)
time.sleep(0.3)
print(port, flush=True)
sys.stdin.read()
`;

describe('a database server that drops connects', () => {
  let blackhole: ChildProcessWithoutNullStreams | undefined;
  let db: ThrowawayDatabase | undefined;
  let other: OdbcConnection | undefined;
  afterEach(async () => {
    blackhole?.stdin.end();
    await other?.close();
    await db?.drop();
  });

  /** How long the other source's query takes while the connect runs, and what the connect threw. */
  async function otherQueryDuring(connecting: Promise<unknown>): Promise<{ otherMs: number; error: unknown }> {
    // Settled into a value at once: a connect that fails before the query ends is not an unhandled rejection.
    const outcome = connecting.then(() => null, (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await other!.query('SELECT 1 AS one');
    const otherMs = Date.now() - started;
    return { otherMs, error: await outcome };
  }

  it('costs the other sources one login timeout, then nothing while it stays silent', async () => {
    blackhole = spawn('python3', ['-c', BLACKHOLE]);
    const [portText] = (await once(blackhole.stdout, 'data')) as [Buffer];
    const port = Number(String(portText).trim());
    db = createSqliteFile('connect-guard');
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    other = await nodeOdbcDriver.connect({ connectionString: db.connectionString, loginTimeoutSecs: 5 });
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: 'postgresql',
      connectionString: `Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=${port};Database=erp;Uid=reader`,
      streams: [{ name: 't', table: 't', keyColumns: ['id'], mode: 'append' }],
    });
    const connect = () => openConnection({ config, ctx: memoryContext(), driver: nodeOdbcDriver, dialect: postgresqlDialect, loginTimeoutSecs: 3 });

    // The first attempt goes to the driver, which holds the lock until its timeout.
    const first = await otherQueryDuring(connect());
    expect(first.error).toBeInstanceOf(NotConnectedError);
    // Under 3 s of the connect's lock from 0.3 s on: margin for a loaded machine's late timers.
    expect(first.otherMs).toBeGreaterThan(1500);

    // The next is checked outside the lock: it fails the same way, and the other source is not held up.
    const startedAt = Date.now();
    const second = await otherQueryDuring(connect());
    const secondError = second.error as NotConnectedError;
    expect(secondError).toBeInstanceOf(NotConnectedError);
    expect(secondError.code).toBe('odbc_connect_failed');
    expect(secondError.message).toContain(`could not connect to 127.0.0.1:${port}: timeout after 3 s`);
    expect(secondError.hint).toMatch(/running and reachable/);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2900);
    expect(second.otherMs).toBeLessThan(1000);
  }, 30_000);
});

describe('where a connect is checked first', () => {
  it('reads a plain host and port from a DSN-less connection string, nothing else', () => {
    expect(tcpEndpoint('Driver={PostgreSQL Unicode};Server=db.shop.local;Port=5433;Database=pos', 5432)).toEqual({ host: 'db.shop.local', port: 5433 });
    expect(tcpEndpoint('Driver={MariaDB Unicode};Server=10.0.0.5;Database=erp', 3306)).toEqual({ host: '10.0.0.5', port: 3306 });
    expect(tcpEndpoint('DSN=pos;Server=db', 5432)).toBeNull();
    expect(tcpEndpoint('Driver={MariaDB Unicode};Server=localhost;Socket=/run/mysqld/mysqld.sock', 3306)).toBeNull();
    expect(tcpEndpoint('Driver={PostgreSQL Unicode};Server=/var/run/postgresql', 5432)).toBeNull();
    expect(tcpEndpoint('Driver={PostgreSQL Unicode};Server=db1,db2', 5432)).toBeNull();
    expect(tcpEndpoint('Driver={PostgreSQL Unicode};Server=db;Port=x', 5432)).toBeNull();
    expect(tcpEndpoint('Driver={SQLite3};Database=/srv/pos.db', undefined)).toBeNull();
  });
});
