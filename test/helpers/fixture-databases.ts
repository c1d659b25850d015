/**
 * Real databases no one here wrote (the external corpus's db/, see external-corpus.ts), loaded into
 * throwaway databases: Sakila into PostgreSQL and MariaDB, Chinook into SQLite, PostgreSQL and
 * MariaDB. The scripts name their own database (`sakila`, `chinook`, `Chinook`); those lines are
 * rewritten in memory so parallel runs and leftovers never collide, and each rewrite must match
 * exactly once, so a changed fixture fails here instead of loading into a shared database.
 */
import { chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OdbcSourceConfig } from '../../agents/api/index.ts';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  createSqliteFile,
  type ThrowawayDatabase,
} from './databases.ts';
import { CORPUS_ENV, externalCorpusDir } from './external-corpus.ts';

export type FixtureDialect = OdbcSourceConfig['dialect'];

export interface FixtureDatabase {
  /** `sakila-postgresql`, `chinook-sqlite`, …: also the agent's source name. */
  readonly label: string;
  readonly fixture: 'sakila' | 'chinook';
  readonly dialect: FixtureDialect;
  readonly db: ThrowawayDatabase;
}

export const FIXTURES_DIR = externalCorpusDir();
export const FIXTURE_DB_DIR = path.join(FIXTURES_DIR, 'db');

function fixtureText(relative: string): string {
  const file = path.join(FIXTURE_DB_DIR, relative);
  if (!existsSync(file))
    throw new Error(`The external corpus file ${file} is missing (set ${CORPUS_ENV} to the corpus folder).`);
  return readFileSync(file, 'utf8');
}

/** Replaces each pattern, which must occur exactly `times` times (default once). */
export function rewriteScript(
  script: string,
  name: string,
  rules: Array<{ pattern: RegExp; replacement: string; times?: number }>,
): string {
  let result = script;
  for (const { pattern, replacement, times = 1 } of rules) {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    const found = result.match(global)?.length ?? 0;
    if (found !== times)
      throw new Error(
        `${name}: expected ${times} match(es) of ${String(pattern)}, found ${found}; the fixture changed.`,
      );
    result = result.replace(global, replacement);
  }
  return result;
}

/** Sakila (jOOQ's PostgreSQL port): the schema, then the COPY data file through psql. */
export async function loadSakilaPostgres(): Promise<FixtureDatabase> {
  const schema = fixtureText('sakila/postgres/postgres-sakila-schema.sql');
  const data = fixtureText('sakila/postgres/postgres-sakila-insert-data-using-copy.sql');
  const db = await createPostgresDatabase('sakila');
  try {
    // The files name no database: psql runs them inside the throwaway one.
    await db.exec(schema);
    await db.exec(data);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return { label: 'sakila-postgresql', fixture: 'sakila', dialect: 'postgresql', db };
}

/** Sakila 1.5 (Oracle's MySQL scripts): schema, then data, through the mariadb client. */
export async function loadSakilaMariaDb(): Promise<FixtureDatabase> {
  const db = await createMariaDbDatabase('sakila');
  try {
    const use = { pattern: /^USE sakila;$/m, replacement: `USE ${db.name};` };
    const schema = rewriteScript(fixtureText('sakila/mysql/sakila-schema.sql'), 'sakila-schema.sql', [
      { pattern: /^DROP SCHEMA IF EXISTS sakila;$/m, replacement: '' },
      { pattern: /^CREATE SCHEMA sakila;$/m, replacement: '' },
      use,
      // The actor_info view names its tables with the schema: sakila.film, sakila.actor, …
      { pattern: /(\s)sakila\./, replacement: `$1${db.name}.`, times: 7 },
    ]);
    const data = rewriteScript(fixtureText('sakila/mysql/sakila-data.sql'), 'sakila-data.sql', [use]);
    await db.exec(schema);
    await db.exec(data);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return { label: 'sakila-mariadb', fixture: 'sakila', dialect: 'mariadb', db };
}

/** Chinook's ready-made SQLite file, copied into a temp dir (never into the repo). */
export function loadChinookSqlite(): FixtureDatabase {
  const source = path.join(FIXTURE_DB_DIR, 'chinook/sqlite/Chinook_Sqlite.sqlite');
  if (!existsSync(source)) throw new Error(`The external corpus file ${source} is missing (set ${CORPUS_ENV} to the corpus folder).`);
  const db = createSqliteFile('chinook');
  copyFileSync(source, db.name);
  // The fixtures are read-only; the copy must not be (the driver opens it read-write).
  chmodSync(db.name, 0o644);
  return { label: 'chinook-sqlite', fixture: 'chinook', dialect: 'sqlite', db };
}

/** Chinook for PostgreSQL: its DROP/CREATE DATABASE and `\c chinook` are taken out; psql runs it in the throwaway. */
export async function loadChinookPostgres(): Promise<FixtureDatabase> {
  const script = rewriteScript(fixtureText('chinook/postgres/Chinook_PostgreSql.sql'), 'Chinook_PostgreSql.sql', [
    { pattern: /^DROP DATABASE IF EXISTS chinook;$/m, replacement: '' },
    { pattern: /^CREATE DATABASE chinook;$/m, replacement: '' },
    { pattern: /^\\c chinook;$/m, replacement: '' },
  ]);
  const db = await createPostgresDatabase('chinook');
  try {
    await db.exec(script);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return { label: 'chinook-postgresql', fixture: 'chinook', dialect: 'postgresql', db };
}

/** Chinook for MariaDB: `USE Chinook` becomes the throwaway database; its DROP/CREATE are taken out. */
export async function loadChinookMariaDb(): Promise<FixtureDatabase> {
  const db = await createMariaDbDatabase('chinook');
  try {
    const script = rewriteScript(fixtureText('chinook/mysql/Chinook_MySql.sql'), 'Chinook_MySql.sql', [
      { pattern: /^DROP DATABASE IF EXISTS `Chinook`;$/m, replacement: '' },
      { pattern: /^CREATE DATABASE `Chinook`;$/m, replacement: '' },
      { pattern: /^USE `Chinook`;$/m, replacement: `USE \`${db.name}\`;` },
    ]);
    await db.exec(script);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return { label: 'chinook-mariadb', fixture: 'chinook', dialect: 'mariadb', db };
}
