/**
 * ODBC connection strings: `key=value;` pairs where a value may be brace-quoted (`{…}`, with `}}`
 * for a literal `}`). The config's string never carries a password (the schema refuses one); it is
 * appended here at connect time and the result is never logged.
 */

/** Parses `key=value` pairs (keys lower-cased). Good enough for reading Driver/DSN/Server/Database. */
export function parseConnectionString(connectionString: string): Map<string, string> {
  const pairs = new Map<string, string>();
  let i = 0;
  while (i < connectionString.length) {
    const eq = connectionString.indexOf('=', i);
    if (eq === -1) break;
    const key = connectionString.slice(i, eq).trim().toLowerCase();
    let value = '';
    let j = eq + 1;
    if (connectionString[j] === '{') {
      j += 1;
      while (j < connectionString.length) {
        if (connectionString[j] === '}') {
          if (connectionString[j + 1] === '}') {
            value += '}';
            j += 2;
            continue;
          }
          j += 1;
          break;
        }
        value += connectionString[j];
        j += 1;
      }
      const semi = connectionString.indexOf(';', j);
      i = semi === -1 ? connectionString.length : semi + 1;
    } else {
      const semi = connectionString.indexOf(';', j);
      const end = semi === -1 ? connectionString.length : semi;
      value = connectionString.slice(j, end).trim();
      i = end + 1;
    }
    if (key) pairs.set(key, value);
  }
  return pairs;
}

/** Appends `PWD={…}`: braces make `;` and `=` safe inside the password, `}` is doubled. */
export function withPassword(connectionString: string, password: string): string {
  return appendPairs(connectionString, `PWD={${password.replaceAll('}', '}}')}}`);
}

/**
 * Adds `defaults` the string does not set (keys compared case-insensitively, as drivers do); a
 * string that names a DSN is left as it is, so settings the admin made in odbc.ini still apply.
 */
export function withDefaults(connectionString: string, defaults: Readonly<Record<string, string>> | undefined): string {
  if (defaults === undefined) return connectionString;
  const pairs = parseConnectionString(connectionString);
  if (pairs.has('dsn')) return connectionString;
  const missing = Object.entries(defaults).filter(([key]) => !pairs.has(key.toLowerCase()));
  if (missing.length === 0) return connectionString;
  return appendPairs(connectionString, missing.map(([key, value]) => `${key}=${value}`).join(';'));
}

/** `pairs` after the string, with the one `;` between them that the string may lack. */
function appendPairs(connectionString: string, pairs: string): string {
  const base = connectionString.trimEnd();
  return `${base}${base === '' || base.endsWith(';') ? '' : ';'}${pairs}`;
}

export interface NamedDriver {
  kind: 'driver' | 'dsn' | 'none';
  name: string;
}

export function namedDriver(connectionString: string): NamedDriver {
  const pairs = parseConnectionString(connectionString);
  const driver = pairs.get('driver');
  if (driver !== undefined) return { kind: 'driver', name: driver };
  const dsn = pairs.get('dsn');
  if (dsn !== undefined) return { kind: 'dsn', name: dsn };
  return { kind: 'none', name: '' };
}

/** Where the string points, for messages: `127.0.0.1:5432, database pos` or `file /data/pos.db`. */
export function describeTarget(connectionString: string): string {
  const pairs = parseConnectionString(connectionString);
  const server = pairs.get('server') ?? pairs.get('host') ?? pairs.get('servername');
  const port = pairs.get('port');
  const database = pairs.get('database') ?? pairs.get('db');
  const parts: string[] = [];
  if (server !== undefined) parts.push(port === undefined ? server : `${server}:${port}`);
  if (database !== undefined) parts.push(server === undefined ? `file ${database}` : `database ${database}`);
  if (parts.length === 0) {
    const driver = namedDriver(connectionString);
    parts.push(driver.kind === 'dsn' ? `DSN ${driver.name}` : 'the configured connection string');
  }
  return parts.join(', ');
}
