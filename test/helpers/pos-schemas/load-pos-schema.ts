/**
 * The real POS schemas from the external corpus's db/pos (schema only; see its SOURCES.md),
 * loaded into throwaway databases. What cannot load as shipped is changed in memory only:
 * - uniCenta's seed INSERTs carry `$FILE{…}` / `$APP_…{}` placeholders the POS substitutes at
 *   install time: they become NULL and literal application names;
 * - on MariaDB, `customers`, `products` and `suppliers` exceed the default InnoDB row size limit
 *   ("Row size too large"): the session turns strict mode off so they are created, as uniCenta's
 *   own installer would have needed too.
 * OSPOS loads as shipped: initial_schema, then the four migrations in order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ThrowawayDatabase } from '../databases.ts';
import { corpusPath } from '../external-corpus.ts';

export const POS_FIXTURES = corpusPath('db', 'pos');

export function unicentaScript(dialect: 'postgresql' | 'mariadb'): string {
  const file =
    dialect === 'postgresql' ? path.join(POS_FIXTURES, 'unicenta/postgres/PostgreSQL-create.sql') : path.join(POS_FIXTURES, 'unicenta/mysql/MySQL-create.sql');
  const script = readFileSync(file, 'utf8')
    .replace(/\$FILE\{[^}]*\}/g, 'NULL')
    .replace('$APP_ID{}', "'unicentaopos'")
    .replace('$APP_NAME{}', "'uniCenta oPOS'")
    .replace('$APP_VERSION{}', "'4.1.4'");
  return dialect === 'mariadb' ? `SET SESSION innodb_strict_mode = 0;\n${script}` : script;
}

export async function loadUnicenta(db: ThrowawayDatabase, dialect: 'postgresql' | 'mariadb'): Promise<void> {
  await db.exec(unicentaScript(dialect));
}

export const OSPOS_SCRIPTS = ['initial_schema.sql', '3.0.2_to_3.1.1.sql', '3.1.1_to_3.2.0.sql', '3.2.0_to_3.2.1.sql', '3.2.1_to_3.3.0.sql'];

export async function loadOspos(db: ThrowawayDatabase): Promise<void> {
  const script = OSPOS_SCRIPTS.map((name) => readFileSync(path.join(POS_FIXTURES, 'ospos/mysql', name), 'utf8')).join('\n');
  await db.exec(script);
}
