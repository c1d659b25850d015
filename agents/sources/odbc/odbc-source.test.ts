import { describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import { AgentError, NotConnectedError, PermanentError } from '../../pipeline/errors.ts';
import { openSource } from '../index.ts';
import type { OdbcConnectOptions, OdbcDriver } from './odbc-driver.ts';
import { OdbcSource } from './odbc-source.ts';
import { memoryContext } from './test-harness.ts';

const signal = new AbortController().signal;
const password = 'S3cret}pass;word';

function config(extra: Record<string, unknown> = {}) {
  return OdbcSourceSchema.parse({
    type: 'odbc',
    name: 'erp',
    dialect: 'postgresql',
    connectionString: 'Driver={PostgreSQL Unicode};Server=db.example;Port=5432;Database=erp;Uid=reader',
    password: { secretRef: 'erp/db' },
    streams: [{ name: 'invoices', table: 'invoices', keyColumns: ['id'], cursorColumn: 'updated_at' }],
    ...extra,
  });
}

/** A driver that refuses like psqlODBC does, echoing the connection string the way a chatty driver might. */
function refusingDriver(seen: OdbcConnectOptions[]): OdbcDriver {
  return {
    connect: (options) => {
      seen.push(options);
      const error = Object.assign(new Error('[odbc] Error connecting to the database'), {
        odbcErrors: [{ state: '08001', code: 101, message: `could not connect using ${options.connectionString}: Connection refused` }],
      });
      return Promise.reject(error);
    },
  };
}

describe('OdbcSource without a database', () => {
  it('appends the keychain password at connect and keeps it out of the error', async () => {
    const seen: OdbcConnectOptions[] = [];
    const source = new OdbcSource(config(), memoryContext({ secrets: { 'erp/db': password } }), refusingDriver(seen));
    const error = await source.connect(signal).then(() => null, (e: unknown) => e as AgentError);
    expect(seen[0]!.connectionString).toBe(
      'Driver={PostgreSQL Unicode};Server=db.example;Port=5432;Database=erp;Uid=reader;PWD={S3cret}}pass;word}',
    );
    expect(error).toBeInstanceOf(NotConnectedError);
    expect(error!.code).toBe('odbc_connect_failed');
    expect(error!.message).toContain('db.example:5432, database erp');
    expect(error!.message).toContain('[REDACTED]');
    expect(`${error!.message} ${error!.hint}`).not.toContain('S3cret');
    expect(error!.hint).toContain('Server=/Port=');
  });

  it('reports a secret missing from the keychain, and check() explains instead of throwing', async () => {
    const ctx = memoryContext();
    ctx.secrets.resolve = () => Promise.reject(new AgentError('secret_missing', 'No secret is stored under "erp/db".'));
    const source = new OdbcSource(config(), ctx, refusingDriver([]));
    await expect(source.connect(signal)).rejects.toMatchObject({ code: 'secret_missing' });
    expect(await source.check(signal)).toEqual({ ok: false, code: 'secret_missing', message: 'No secret is stored under "erp/db".' });
  });

  it('refuses an unknown time zone before connecting', async () => {
    const seen: OdbcConnectOptions[] = [];
    // The config schema refuses such a zone since issue 9; a config built in code can still carry one.
    const source = new OdbcSource({ ...config(), timeZone: 'Europe/Atlantis' }, memoryContext(), refusingDriver(seen));
    await expect(source.connect(signal)).rejects.toBeInstanceOf(PermanentError);
    const check = await source.check(signal);
    expect(check).toMatchObject({ ok: false, code: 'odbc_bad_time_zone' });
    expect(check.message).toContain('"Europe/Atlantis"');
    expect(seen).toHaveLength(0);
  });

  it('says it is not connected when read before connect', async () => {
    const source = new OdbcSource(config(), memoryContext(), refusingDriver([]));
    await expect(source.read(signal)).rejects.toMatchObject({ code: 'odbc_not_connected' });
  });

  it('is what the registry builds for type "odbc"', async () => {
    const source = await openSource(config(), memoryContext());
    expect(source).toBeInstanceOf(OdbcSource);
    expect(source).toMatchObject({ name: 'erp', type: 'odbc' });
  });
});
