/**
 * Test support: writes to a test database through its own ODBC connection, fast enough for property
 * tests that change rows hundreds of times (the databases' command-line clients take a process each).
 * SQLite is written through the same ODBC driver as the source reads it, so both use one copy of
 * the SQLite library (two copies in one process break each other's locks, see test/helpers/databases.ts).
 */
import type { OdbcSourceConfig } from '../../../api/index.ts';
import { dialectFor } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { nodeOdbcDriver } from '../odbc-driver.ts';

export interface OdbcWriter {
  exec(...statements: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function openWriter(connectionString: string, dialect: OdbcSourceConfig['dialect']): Promise<OdbcWriter> {
  const connection: OdbcConnection = await nodeOdbcDriver.connect({ connectionString, loginTimeoutSecs: 15 });
  for (const sql of dialectFor(dialect).sessionSetup) await connection.query(sql);
  return {
    exec: async (...statements) => {
      for (const sql of statements) await connection.query(sql);
    },
    close: () => connection.close(),
  };
}
