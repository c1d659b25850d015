import { describe, expect, it } from 'vitest';
import { describeTarget, namedDriver, parseConnectionString, withDefaults, withPassword } from './connection-string.ts';

describe('connection strings', () => {
  it('appends the password brace-quoted with } doubled, and it parses back to the same value', () => {
    const password = 'p}a;s=s{w}}rd';
    const full = withPassword('Driver={MariaDB Unicode};Server=127.0.0.1;Uid=app', password);
    expect(full).toBe('Driver={MariaDB Unicode};Server=127.0.0.1;Uid=app;PWD={p}}a;s=s{w}}}}rd}');
    expect(parseConnectionString(full).get('pwd')).toBe(password);
    expect(withPassword('DSN=pos;', 'x')).toBe('DSN=pos;PWD={x}');
  });

  it('names the driver or DSN and where the string points, without credentials', () => {
    const cs = 'Driver={PostgreSQL Unicode};Server=10.0.0.5;Port=5433;Database=erp;Uid=reader';
    expect(namedDriver(cs)).toEqual({ kind: 'driver', name: 'PostgreSQL Unicode' });
    expect(describeTarget(cs)).toBe('10.0.0.5:5433, database erp');
    expect(namedDriver('DSN=pos')).toEqual({ kind: 'dsn', name: 'pos' });
    expect(describeTarget('DSN=pos')).toBe('DSN pos');
    expect(describeTarget('Driver={SQLite3};Database=/data/pos.db')).toBe('file /data/pos.db');
  });
});

describe('withDefaults', () => {
  it('adds only the settings the string does not make, and leaves a DSN to its odbc.ini', () => {
    expect(withDefaults('Driver={SQLite3};Database=/srv/pos.db', { Timeout: '5000' })).toBe('Driver={SQLite3};Database=/srv/pos.db;Timeout=5000');
    expect(withDefaults('Driver={SQLite3};Database=/srv/pos.db;', { Timeout: '5000' })).toBe('Driver={SQLite3};Database=/srv/pos.db;Timeout=5000');
    // The admin's own value, in any spelling, wins.
    expect(withDefaults('Driver={SQLite3};Database=/srv/pos.db;timeout=100000', { Timeout: '5000' })).toBe('Driver={SQLite3};Database=/srv/pos.db;timeout=100000');
    expect(withDefaults('DSN=pos', { Timeout: '5000' })).toBe('DSN=pos');
    expect(withDefaults('Driver={SQLite3};Database={/srv/a;b.db}', undefined)).toBe('Driver={SQLite3};Database={/srv/a;b.db}');
    expect(parseConnectionString(withDefaults('Driver={SQLite3};Database={/srv/a;b.db}', { Timeout: '5000' })).get('timeout')).toBe('5000');
  });
});
