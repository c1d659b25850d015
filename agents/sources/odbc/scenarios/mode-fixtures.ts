/**
 * Test support (not used by the agent): what the mode, drift and property scenarios need to know
 * about each database, and a throwaway database of each kind.
 */
import { afterAll, beforeAll } from 'vitest';
import type { OdbcSourceConfig } from '../../../api/index.ts';
import type { ThrowawayDatabase } from '../../../../test/helpers/databases.ts';
import { createMariaDbDatabase, createPostgresDatabase, createSqliteFile } from '../../../../test/helpers/databases.ts';
import { openWriter, type OdbcWriter } from './odbc-writer.ts';

export interface ModeFixture {
  dialect: OdbcSourceConfig['dialect'];
  create: () => Promise<ThrowawayDatabase>;
  types: { int: string; bigint: string; timestamp: string; text: string; decimal: string; wideDecimal: string };
  /** Statements that change a column's type to `type`, keeping its data. */
  retype: (table: string, column: string, type: string, columns: string) => string[];
}

export const POSTGRESQL_MODES: ModeFixture = {
  dialect: 'postgresql',
  create: () => createPostgresDatabase('odbc_modes_pg'),
  types: { int: 'integer', bigint: 'bigint', timestamp: 'timestamp(6)', text: 'varchar(40)', decimal: 'numeric(12,2)', wideDecimal: 'numeric(14,4)' },
  retype: (table, column, type) => [`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type}`],
};

export const MARIADB_MODES: ModeFixture = {
  dialect: 'mariadb',
  create: () => createMariaDbDatabase('odbc_modes_maria'),
  types: { int: 'INT', bigint: 'BIGINT', timestamp: 'DATETIME(6)', text: 'VARCHAR(40)', decimal: 'DECIMAL(12,2)', wideDecimal: 'DECIMAL(14,4)' },
  retype: (table, column, type) => [`ALTER TABLE ${table} MODIFY ${column} ${type}`],
};

export const SQLITE_MODES: ModeFixture = {
  dialect: 'sqlite',
  create: () => Promise.resolve(createSqliteFile('odbc-modes')),
  types: { int: 'INTEGER', bigint: 'INTEGER', timestamp: 'TIMESTAMP', text: 'VARCHAR(40)', decimal: 'DECIMAL(12,2)', wideDecimal: 'DECIMAL(14,4)' },
  // SQLite cannot alter a column's type: the table is rebuilt, as its documentation describes.
  retype: (table, column, type, columns) => [
    `CREATE TABLE ${table}_new (${columns.replace(new RegExp(`\\b${column} [A-Za-z]+(\\([0-9, ]+\\))?`), `${column} ${type}`)})`,
    `INSERT INTO ${table}_new SELECT * FROM ${table}`,
    `DROP TABLE ${table}`,
    `ALTER TABLE ${table}_new RENAME TO ${table}`,
  ],
};

export interface FixtureDatabase {
  readonly db: ThrowawayDatabase;
  readonly writer: OdbcWriter;
}

/** A suite's throwaway database and its writer: made before the suite's tests, dropped after them. */
export function useFixtureDatabase(fixture: ModeFixture): FixtureDatabase {
  const live: { db?: ThrowawayDatabase; writer?: OdbcWriter } = {};
  beforeAll(async () => {
    live.db = await fixture.create();
    live.writer = await openWriter(live.db.connectionString, fixture.dialect);
  });
  afterAll(async () => {
    await live.writer?.close();
    await live.db?.drop();
  });
  return {
    get db() {
      if (live.db === undefined) throw new Error('The fixture database is made in beforeAll: use it inside a test.');
      return live.db;
    },
    get writer() {
      if (live.writer === undefined) throw new Error('The fixture writer is opened in beforeAll: use it inside a test.');
      return live.writer;
    },
  };
}
