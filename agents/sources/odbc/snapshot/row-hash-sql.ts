/** Which row hash the connected server can compute (a newer function where it has it). */
import type { Dialect, RowHashSql } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';

export async function resolveRowHash(connection: OdbcConnection, dialect: Dialect): Promise<RowHashSql | undefined> {
  if (dialect.rowHash === undefined || dialect.rowHashProbe === undefined) return dialect.rowHash;
  try {
    await connection.query(dialect.rowHashProbe);
    return dialect.rowHash;
  } catch {
    return dialect.rowHashFallback;
  }
}
