import { assertNever } from '../../../pipeline/errors.ts';
import type { Dialect, DialectName } from './dialect.ts';
import { mariadbDialect } from './mariadb.ts';
import { postgresqlDialect } from './postgresql.ts';
import { sqliteDialect } from './sqlite.ts';

export type { ColumnKind, ColumnPlan, Dialect, DialectName, RowHashSql, TablePlan, TableRef } from './dialect.ts';
export { splitTableName } from './dialect.ts';

export function dialectFor(name: DialectName): Dialect {
  switch (name) {
    case 'sqlite':
      return sqliteDialect;
    case 'postgresql':
      return postgresqlDialect;
    case 'mariadb':
      return mariadbDialect;
    default:
      return assertNever(name, 'ODBC dialect');
  }
}
