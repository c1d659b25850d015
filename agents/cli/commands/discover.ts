/**
 * `tya-agent discover [--source NAME] [--table T] [--preview N]`: what an ODBC source can read, for
 * the admin writing its streams: schemas and tables (PostgreSQL marks those this user may not read),
 * a table's columns with types and primary key, and its first rows exactly as the agent would send
 * them. Connects like the source does (keychain password, session setup); reads nothing else.
 */
import type { OdbcSourceConfig } from '../../api/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { CatalogTable, TableDescription } from '../../sources/odbc/discovery/index.ts';
import { describeColumns, listSchemas, listTables, openSourceConnection, previewRows, primaryKeyOf } from '../../sources/odbc/discovery/index.ts';
import { describeDiagnostics, odbcDiagnostics } from '../../sources/odbc/odbc-errors.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { installationSecrets } from './installation-secrets.ts';

export interface DiscoverOptions {
  config?: string;
  /** Optional when the config has exactly one ODBC source. */
  source?: string;
  table?: string;
  schema?: string;
  preview?: number;
  json?: boolean;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

export async function discoverCommand(options: DiscoverOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const odbcSources = loaded.config.sources.filter((s): s is OdbcSourceConfig => s.type === 'odbc');
  const names = odbcSources.map((s) => s.name);
  if (options.source === undefined && odbcSources.length !== 1) {
    throw new CliError(
      ExitCode.usage,
      'source_required',
      odbcSources.length === 0 ? `${loaded.file} has no ODBC source to discover.` : `${loaded.file} has ${odbcSources.length} ODBC sources: name one with --source.`,
      { hint: odbcSources.length === 0 ? 'Add an ODBC source to the config first (README, "Configuration").' : `Its ODBC sources are: ${names.join(', ')}.` },
    );
  }
  // With only one ODBC source, --source may be left out.
  const source = options.source === undefined ? odbcSources[0] : odbcSources.find((s) => s.name === options.source);
  if (source === undefined) {
    throw new CliError(ExitCode.usage, 'unknown_source', `There is no ODBC source named "${options.source}" in ${loaded.file}.`, {
      hint: names.length === 0 ? 'The config has no ODBC sources yet.' : `Its ODBC sources are: ${names.join(', ')}.`,
    });
  }
  if (options.table !== undefined && !TABLE_NAME.test(options.table)) {
    throw new CliError(ExitCode.usage, 'bad_table_name', `"${options.table}" is not a table name (letters, digits and _; optionally schema.table).`);
  }
  const secrets = installationSecrets(loaded);
  let opened;
  try {
    opened = await openSourceConnection(source, secrets.resolver);
  } catch (error) {
    throw attention(error);
  }
  const { connection, dialect } = opened;
  try {
    if (options.table === undefined) {
      const schemas = await listSchemas(connection, dialect);
      const tables = await listTables(connection, dialect, options.schema);
      if (options.json) io.out(JSON.stringify({ source: source.name, dialect: dialect.name, schemas, tables }, null, 2));
      else printTables(io, source, schemas, tables);
      return ExitCode.ok;
    }
    const described = await describeColumns(connection, dialect, options.table);
    if (described === null) {
      throw new CliError(ExitCode.incomplete, 'odbc_table_missing', `Source "${source.name}" has no table "${options.table}" that this user can see.`, {
        hint: `List the tables with: tya-agent discover --source ${source.name}`,
      });
    }
    const preview =
      options.preview === undefined ? null : await previewRows(connection, dialect, options.table, options.preview, source.timeZone);
    if (options.json) {
      io.out(JSON.stringify({ source: source.name, ...described, primaryKey: primaryKeyOf(described.columns), ...(preview === null ? {} : { preview: preview.rows }) }, null, 2));
      return ExitCode.ok;
    }
    printColumns(io, described);
    if (preview !== null) {
      io.out('');
      io.out(`First ${preview.rows.length} row${preview.rows.length === 1 ? '' : 's'}, as the agent would send them:`);
      for (const row of preview.rows) io.out(`  ${JSON.stringify(row)}`);
      if (preview.possiblyCut.length > 0) io.out(`  (values of ${preview.possiblyCut.join(', ')} may be shortened in this preview; the agent reads them whole)`);
    }
    return ExitCode.ok;
  } catch (error) {
    throw attention(error);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function printTables(io: CliIo, source: OdbcSourceConfig, schemas: string[], tables: CatalogTable[]): void {
  io.out(`Source "${source.name}" (${source.dialect}): ${schemas.length} schema${schemas.length === 1 ? '' : 's'} (${schemas.join(', ')}), ${tables.length} table${tables.length === 1 ? '' : 's'} and views.`);
  const width = Math.max(0, ...tables.map((t) => `${t.schema}.${t.name}`.length));
  for (const table of tables) {
    const name = `${table.schema}.${table.name}`.padEnd(width);
    io.out(`  ${name}  ${table.kind.padEnd(5)}${table.readable ? '' : '  NOT READABLE by this user (no SELECT permission)'}`);
  }
  io.out('');
  io.out(`Columns of a table: tya-agent discover --source ${source.name} --table <name> [--preview 5]`);
}

function printColumns(io: CliIo, described: TableDescription): void {
  const { table, columns } = described;
  const key = primaryKeyOf(columns);
  io.out(
    `${table.kind === 'view' ? 'View' : 'Table'} ${table.schema}.${table.name}: ${columns.length} column${columns.length === 1 ? '' : 's'}, ` +
      (key.length === 0 ? 'no primary key (choose keyColumns that identify a row)' : `primary key ${key.join(', ')}`) +
      (table.readable ? '.' : '. NOT READABLE by this user (no SELECT permission).'),
  );
  const nameWidth = Math.max(...columns.map((c) => c.name.length), 4);
  const typeWidth = Math.max(...columns.map((c) => c.type.length), 4);
  for (const column of columns) {
    io.out(
      `  ${column.name.padEnd(nameWidth)}  ${column.type.padEnd(typeWidth)}  ${column.nullable ? 'null    ' : 'not null'}` +
        (column.primaryKey === null ? '' : `  key ${column.primaryKey}`),
    );
  }
}

/** A source that cannot be read needs attention (exit 3), with the source's own words and hint. */
function attention(error: unknown): unknown {
  if (error instanceof CliError) return error;
  if ((error as { odbcErrors?: unknown } | null)?.odbcErrors !== undefined) {
    return new CliError(ExitCode.incomplete, 'odbc_query_failed', `The database refused a catalog query: ${describeDiagnostics(odbcDiagnostics(error))}`);
  }
  if (!(error instanceof AgentError)) return error;
  return new CliError(ExitCode.incomplete, error.code, error.message, error.hint === undefined ? {} : { hint: error.hint });
}
