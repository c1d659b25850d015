/**
 * The Windows 32-bit ODBC check on `reg query` output as Windows Server 2022 prints it (CRLF, a
 * blank line, the key, four-space-separated values; an error and exit code 1 for a missing key).
 */
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../sources/odbc/discovery/index.ts';
import { checkOdbcBitness, checkWindowsOdbc, parseRegQuery, REGISTRY_KEYS, type RegistryListings } from './doctor-odbc-windows.ts';

const crlf = (lines: string[]) => lines.join('\r\n');

const DRIVERS_64 = crlf([
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\ODBC\\ODBCINST.INI\\ODBC Drivers',
  '    SQL Server    REG_SZ    Installed',
  '    ODBC Driver 18 for SQL Server    REG_SZ    Installed',
  '    PostgreSQL Unicode(x64)    REG_SZ    Installed',
  '    MariaDB ODBC 3.1 Driver    REG_SZ    Installed',
  '',
]);
const DRIVERS_32 = crlf([
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\ODBC\\ODBCINST.INI\\ODBC Drivers',
  '    SQL Server    REG_SZ    Installed',
  '    Microsoft Access Driver (*.mdb)    REG_SZ    Installed',
  '    Microsoft Text Driver (*.txt; *.csv)    REG_SZ    Installed',
  '    Pervasive ODBC Client Interface    REG_SZ    Installed',
  '    MariaDB ODBC 3.1 Driver    REG_SZ    Installed',
  '',
]);
const SYSTEM_DSNS_64 = crlf(['', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\ODBC\\ODBC.INI\\ODBC Data Sources', '    Kasse64    REG_SZ    PostgreSQL Unicode(x64)', '']);
const SYSTEM_DSNS_32 = crlf([
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\ODBC\\ODBC.INI\\ODBC Data Sources',
  '    Warenwirtschaft    REG_SZ    Pervasive ODBC Client Interface',
  '    Shop    REG_SZ    MariaDB ODBC 3.1 Driver',
  '',
]);
const USER_DSNS = crlf(['', 'HKEY_CURRENT_USER\\SOFTWARE\\ODBC\\ODBC.INI\\ODBC Data Sources', '    dBASE Files    REG_SZ    Microsoft Access dBASE Driver (*.dbf, *.ndx, *.mdx)', '']);
const MISSING = 'ERROR: The system was unable to find the specified registry key or value.\r\n';

const listings: RegistryListings = { drivers64: DRIVERS_64, drivers32: DRIVERS_32, systemDsns64: SYSTEM_DSNS_64, systemDsns32: SYSTEM_DSNS_32, userDsns: USER_DSNS };
const source = (name: string, connectionString: string) => ({ name, connectionString });

describe('parseRegQuery', () => {
  it('reads names with spaces, parentheses and semicolons, and nothing from an error', () => {
    expect([...parseRegQuery(DRIVERS_32).keys()]).toEqual([
      'SQL Server',
      'Microsoft Access Driver (*.mdb)',
      'Microsoft Text Driver (*.txt; *.csv)',
      'Pervasive ODBC Client Interface',
      'MariaDB ODBC 3.1 Driver',
    ]);
    expect(parseRegQuery(SYSTEM_DSNS_64).get('Kasse64')).toBe('PostgreSQL Unicode(x64)');
    expect(parseRegQuery(MISSING).size).toBe(0);
  });
});

describe('checkOdbcBitness', () => {
  it('names a driver that exists only in 32-bit form and says what to do', () => {
    const result = checkOdbcBitness([source('erp', 'Driver={Pervasive ODBC Client Interface};ServerName=erp;DBQ=DEMODATA')], listings);
    expect(result.unusable).toEqual(new Set(['erp']));
    expect(result.findings[0]).toEqual({
      status: 'ok',
      text: 'ODBC drivers (64-bit, usable by the agent): SQL Server, ODBC Driver 18 for SQL Server, PostgreSQL Unicode(x64), MariaDB ODBC 3.1 Driver.',
      detail: ['Installed only as 32-bit (the agent cannot load them): Microsoft Access Driver (*.mdb), Microsoft Text Driver (*.txt; *.csv), Pervasive ODBC Client Interface.'],
    });
    expect(result.findings[1]).toMatchObject({ status: 'fail', text: 'Source "erp" needs the ODBC driver "Pervasive ODBC Client Interface", which is installed only in 32-bit form.' });
    expect(result.findings[1]!.detail![0]).toMatch(/^A 64-bit agent cannot load a 32-bit driver\. Install the vendor's 64-bit ODBC driver for "Pervasive ODBC Client Interface"/);
    expect(result.findings[1]!.detail!.at(-1)).toMatch(/32-bit ODBC bridge/);
  });

  it('knows the Access driver has a 64-bit twin under another name', () => {
    const result = checkOdbcBitness([source('shop', 'Driver={Microsoft Access Driver (*.mdb)};DBQ=C:\\Kasse\\kasse.mdb')], listings);
    expect(result.findings[1]!.detail).toContain('For Access files: install the Microsoft Access Database Engine (64-bit) and use Driver={Microsoft Access Driver (*.mdb, *.accdb)}.');
  });

  it('follows a DSN to its driver, and tells a DSN made in the 32-bit administrator from a missing one', () => {
    const result = checkOdbcBitness(
      [
        source('kasse', 'DSN=Kasse64;UID=agent'),
        source('ww', 'DSN=Warenwirtschaft'),
        source('shop', 'DSN=shop'),
        source('gone', 'DSN=Nowhere'),
        source('pg', 'Driver={PostgreSQL Unicode(x64)};Server=127.0.0.1'),
      ],
      listings,
    );
    expect([...result.unusable].sort()).toEqual(['gone', 'shop', 'ww']);
    const texts = result.findings.slice(1).map((f) => [f.status, f.text, f.detail?.[0]]);
    expect(texts).toEqual([
      [
        'fail',
        'Source "ww" uses the DSN "Warenwirtschaft", which is defined only in the 32-bit ODBC administrator (driver "Pervasive ODBC Client Interface"); the 64-bit agent does not see it.',
        expect.stringMatching(/^A 64-bit agent cannot load a 32-bit driver/),
      ],
      [
        'fail',
        'Source "shop" uses the DSN "Shop", which is defined only in the 32-bit ODBC administrator (driver "MariaDB ODBC 3.1 Driver"); the 64-bit agent does not see it.',
        'Create the DSN again in "ODBC Data Sources (64-bit)" with the same driver "MariaDB ODBC 3.1 Driver", which is installed as 64-bit.',
      ],
      ['fail', 'Source "gone" uses the DSN "Nowhere", which is not defined.', 'Define it in the ODBC Data Source Administrator (64-bit), or use Driver={…};… instead.'],
    ]);
  });

  it('a driver in neither registry is simply not installed', () => {
    const result = checkOdbcBitness([source('x', 'Driver={Firebird/InterBase(r) driver};Dbname=x')], listings);
    expect(result.findings[1]).toMatchObject({ status: 'fail', text: 'Source "x" names the ODBC driver "Firebird/InterBase(r) driver", which is not installed.' });
  });
});

describe('checkWindowsOdbc', () => {
  it('does not apply outside Windows', async () => {
    const result = await checkWindowsOdbc([], 'linux');
    expect(result.findings).toEqual([{ status: 'skip', text: 'The 32-bit ODBC driver check applies to Windows only (this is linux).' }]);
  });

  it('on Windows queries the five keys in the 64-bit view; a missing key counts as empty', async () => {
    const asked: string[][] = [];
    const byKey = new Map<string, string>([
      [REGISTRY_KEYS.drivers64, DRIVERS_64],
      [REGISTRY_KEYS.drivers32, DRIVERS_32],
    ]);
    const reg: CommandRunner = (command, args) => {
      asked.push([command, ...args]);
      const stdout = byKey.get(args[1]!);
      return Promise.resolve(stdout === undefined ? { code: 1, stdout: '', stderr: MISSING } : { code: 0, stdout, stderr: '' });
    };
    const result = await checkWindowsOdbc([source('erp', 'DSN=Warenwirtschaft')], 'win32', reg);
    expect(asked).toEqual(Object.values(REGISTRY_KEYS).map((key) => ['reg', 'query', key, '/reg:64']));
    expect(result.findings[1]).toMatchObject({ status: 'fail', text: 'Source "erp" uses the DSN "Warenwirtschaft", which is not defined.' });
  });
});
