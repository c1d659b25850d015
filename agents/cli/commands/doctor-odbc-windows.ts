/**
 * `doctor` on Windows (issue 16 item 11): ODBC drivers that exist only in 32-bit form. Windows keeps
 * two ODBC registries: 64-bit drivers and system DSNs under HKLM\SOFTWARE\ODBC, 32-bit ones under
 * HKLM\SOFTWARE\WOW6432Node\ODBC. The agent is a 64-bit process and can load only the first kind,
 * but small-business ERPs often ship only a 32-bit driver, and the ODBC administrator an admin
 * happens to open decides where a DSN lands. Both show up here as "driver not found" at connect
 * time; this check names the real cause and what to do. Elsewhere it says it does not apply.
 * The decisions are pure functions of `reg query` output, so they are tested on sample text.
 */
import type { OdbcSourceConfig } from '../../api/index.ts';
import { namedDriver } from '../../sources/odbc/connection-string.ts';
import { spawnCommand, type CommandRunner } from '../../sources/odbc/discovery/index.ts';
import type { Finding } from './doctor-checks.ts';

export const REGISTRY_KEYS = {
  drivers64: 'HKLM\\SOFTWARE\\ODBC\\ODBCINST.INI\\ODBC Drivers',
  drivers32: 'HKLM\\SOFTWARE\\WOW6432Node\\ODBC\\ODBCINST.INI\\ODBC Drivers',
  systemDsns64: 'HKLM\\SOFTWARE\\ODBC\\ODBC.INI\\ODBC Data Sources',
  systemDsns32: 'HKLM\\SOFTWARE\\WOW6432Node\\ODBC\\ODBC.INI\\ODBC Data Sources',
  // User DSNs are not split by bitness: both administrators show them, with whichever driver they name.
  userDsns: 'HKCU\\SOFTWARE\\ODBC\\ODBC.INI\\ODBC Data Sources',
} as const;

export type RegistryListings = Record<keyof typeof REGISTRY_KEYS, string>;

/** A `reg query` key listing as name → data: `    NAME    REG_SZ    DATA` lines (four spaces apart; names may hold single spaces). */
export function parseRegQuery(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^ {4}(.+?) {4}REG_[A-Z_]+(?: {4}(.*))?$/.exec(line);
    if (match !== null) values.set(match[1]!, (match[2] ?? '').trim());
  }
  return values;
}

interface Registry {
  drivers64: Set<string>;
  drivers32: Set<string>;
  /** DSN name (lower case) → { name, driver, where }. */
  dsns: Map<string, { name: string; driver: string; where: '64-bit system' | '32-bit system' | 'user' }>;
}

function readRegistry(listings: RegistryListings): Registry {
  const installed = (text: string) => new Set([...parseRegQuery(text)].filter(([, state]) => /^installed$/i.test(state)).map(([name]) => name));
  const dsns: Registry['dsns'] = new Map();
  // Later wins: a user DSN hides a system DSN of the same name, as the driver manager does; 32-bit first so 64-bit wins over it.
  for (const [key, where] of [['systemDsns32', '32-bit system'], ['systemDsns64', '64-bit system'], ['userDsns', 'user']] as const) {
    for (const [name, driver] of parseRegQuery(listings[key])) dsns.set(name.toLowerCase(), { name, driver, where });
  }
  return { drivers64: installed(listings.drivers64), drivers32: installed(listings.drivers32), dsns };
}

const has = (set: Set<string>, name: string) => [...set].some((n) => n.toLowerCase() === name.toLowerCase());

/** What to do about a driver a 64-bit agent cannot load, with the known 64-bit twin where there is one. */
function thirtyTwoBitAdvice(driver: string): string[] {
  // The one 32-bit-only driver whose 64-bit twin has a different name.
  const twin = /^Microsoft Access Driver \(\*\.mdb\)$/i.test(driver)
    ? ['For Access files: install the Microsoft Access Database Engine (64-bit) and use Driver={Microsoft Access Driver (*.mdb, *.accdb)}.']
    : [];
  return [
    `A 64-bit agent cannot load a 32-bit driver. Install the vendor's 64-bit ODBC driver for "${driver}" (often a separate download named x64 or 64-bit) and name it in the connection string.`,
    ...twin,
    'If the vendor has no 64-bit driver: reach the data through a 32-bit ODBC bridge (a small 32-bit service that exposes the DSN to 64-bit clients), or have the ERP export files the agent reads with a folder source.',
  ];
}

export interface WindowsOdbcFindings {
  findings: Finding[];
  unusable: Set<string>;
}

/** Findings for the configured ODBC sources against the two registries. */
export function checkOdbcBitness(sources: readonly Pick<OdbcSourceConfig, 'name' | 'connectionString'>[], listings: RegistryListings): WindowsOdbcFindings {
  const registry = readRegistry(listings);
  const findings: Finding[] = [];
  const unusable = new Set<string>();
  const only32 = [...registry.drivers32].filter((name) => !has(registry.drivers64, name));
  findings.push({
    status: 'ok',
    text: `ODBC drivers (64-bit, usable by the agent): ${[...registry.drivers64].join(', ') || 'none'}.`,
    ...(only32.length === 0 ? {} : { detail: [`Installed only as 32-bit (the agent cannot load them): ${only32.join(', ')}.`] }),
  });
  for (const source of sources) {
    const named = namedDriver(source.connectionString);
    let driver: string;
    let via = '';
    if (named.kind === 'driver') {
      driver = named.name;
    } else if (named.kind === 'dsn') {
      const dsn = registry.dsns.get(named.name.toLowerCase());
      if (dsn === undefined) {
        unusable.add(source.name);
        findings.push({ status: 'fail', text: `Source "${source.name}" uses the DSN "${named.name}", which is not defined.`, detail: ['Define it in the ODBC Data Source Administrator (64-bit), or use Driver={…};… instead.'] });
        continue;
      }
      if (dsn.where === '32-bit system') {
        unusable.add(source.name);
        findings.push({
          status: 'fail',
          text: `Source "${source.name}" uses the DSN "${dsn.name}", which is defined only in the 32-bit ODBC administrator (driver "${dsn.driver}"); the 64-bit agent does not see it.`,
          detail: has(registry.drivers64, dsn.driver)
            ? [`Create the DSN again in "ODBC Data Sources (64-bit)" with the same driver "${dsn.driver}", which is installed as 64-bit.`]
            : thirtyTwoBitAdvice(dsn.driver),
        });
        continue;
      }
      driver = dsn.driver;
      via = ` (through the DSN "${dsn.name}")`;
    } else {
      continue;
    }
    if (has(registry.drivers64, driver)) continue;
    unusable.add(source.name);
    if (has(registry.drivers32, driver)) {
      findings.push({ status: 'fail', text: `Source "${source.name}" needs the ODBC driver "${driver}"${via}, which is installed only in 32-bit form.`, detail: thirtyTwoBitAdvice(driver) });
    } else {
      findings.push({ status: 'fail', text: `Source "${source.name}" names the ODBC driver "${driver}"${via}, which is not installed.`, detail: ["Install the database vendor's 64-bit ODBC driver and name it exactly as the ODBC administrator's Drivers tab shows it."] });
    }
  }
  return { findings, unusable };
}

/** Runs `reg query` for each key (a missing key is an empty listing) and checks the sources; on other systems the check does not apply. */
export async function checkWindowsOdbc(
  sources: readonly Pick<OdbcSourceConfig, 'name' | 'connectionString'>[],
  platform: NodeJS.Platform = process.platform,
  run: CommandRunner = spawnCommand,
): Promise<WindowsOdbcFindings> {
  if (platform !== 'win32') {
    return { findings: [{ status: 'skip', text: `The 32-bit ODBC driver check applies to Windows only (this is ${platform}).` }], unusable: new Set() };
  }
  const listings = {} as RegistryListings;
  for (const [key, path] of Object.entries(REGISTRY_KEYS) as Array<[keyof RegistryListings, string]>) {
    try {
      // /reg:64: the 64-bit view even if reg.exe were started as a 32-bit process; WOW6432Node is then read as a path.
      const result = await run('reg', ['query', path, '/reg:64']);
      listings[key] = result.code === 0 ? result.stdout : '';
    } catch {
      listings[key] = '';
    }
  }
  return checkOdbcBitness(sources, listings);
}
