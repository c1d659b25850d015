/**
 * Write-back over ODBC: reads the premises record (the readBack stream's current row) and writes a
 * staging-table row with the item id in a UNIQUE column, in one database transaction, so a crash
 * either leaves the row with its id or nothing (cloud-api.md § Write-back).
 */
import type { Connection } from 'odbc';
import type { AgentConfig, OdbcSourceConfig } from '../api/index.ts';
import type { OdbcWritebackTarget } from '../api/writeback-config.ts';
import type { SecretResolver } from '../pipeline/source.ts';
import { withPassword } from '../sources/odbc/connection-string.ts';
import { loadOdbc } from '../sources/odbc/odbc-driver.ts';
import { toFields, type Fields } from './conflict-policy.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export function odbcSource(config: AgentConfig, name: string, what: string): OdbcSourceConfig {
  const source = config.sources.find((s) => s.name === name);
  if (source?.type !== 'odbc') {
    throw new Error(`${what} names source "${name}", which is not an ODBC source in the config's "sources"; name one that is.`);
  }
  return source;
}

export async function connectSource(source: OdbcSourceConfig, secrets: SecretResolver): Promise<Connection> {
  const odbc = await loadOdbc();
  let connectionString = source.connectionString;
  if (source.password !== undefined) connectionString = withPassword(connectionString, await secrets.resolve(source.password.secretRef));
  return odbc.connect({ connectionString, loginTimeout: 15 });
}

/** Casting a column to text makes the key comparison the same on all three databases. */
function asText(source: OdbcSourceConfig, column: string): string {
  switch (source.dialect) {
    case 'postgresql':
      return `CAST(${column} AS VARCHAR)`;
    case 'mariadb':
      return `CAST(${column} AS CHAR)`;
    case 'sqlite':
      return `CAST(${column} AS TEXT)`;
  }
}

/** The current row of `table` with this key, every column as text; null when there is none. */
export async function readRow(
  connection: Connection,
  source: OdbcSourceConfig,
  table: string,
  key: Record<string, unknown>,
): Promise<Fields | null> {
  const columns = Object.keys(key);
  for (const name of [table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain table or column name; write-back reads only those.`);
  }
  const where = columns.map((c) => `${asText(source, c)} = ?`).join(' AND ');
  const params = columns.map((c) => String(key[c]));
  const rows = (await connection.query(`SELECT * FROM ${table} WHERE ${where}`, params)) as unknown as Record<string, unknown>[];
  const row = rows[0];
  return row === undefined ? null : toFields(row);
}

/** Inserts the staging row and the item id in one transaction; a duplicate id is refused by the UNIQUE column. */
export async function writeStagingRow(
  connection: Connection,
  target: OdbcWritebackTarget,
  itemId: string,
  fields: Fields,
  beforeCommit?: () => void,
  op: 'upsert' | 'delete' = 'upsert',
): Promise<Record<string, string | null>> {
  const mapped: Record<string, string | null> = {};
  for (const [field, column] of Object.entries(target.columns)) {
    if (field in fields) mapped[column] = fields[field] ?? null;
  }
  // The op column is the importer's instruction, not a field of the ERP's record: not in `mapped` (echoes).
  const withOp = target.opColumn === undefined ? mapped : { [target.opColumn]: op, ...mapped };
  const columns = [target.idColumn, ...Object.keys(withOp)];
  for (const name of [target.table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`Write-back target "${target.name}": "${name}" is not a plain table or column name.`);
  }
  const sql = `INSERT INTO ${target.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  await connection.beginTransaction();
  try {
    // NULL cannot be bound as a typed parameter by every driver: an explicit literal keeps it portable.
    const values = [itemId, ...Object.values(withOp)];
    const placeholders = values.map((v) => (v === null ? 'NULL' : '?'));
    const finalSql = `INSERT INTO ${target.table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`;
    await connection.query(values.some((v) => v === null) ? finalSql : sql, values.filter((v): v is string => v !== null));
    beforeCommit?.();
    await connection.commit();
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  }
  return mapped;
}
