/**
 * "Test connection", table discovery and row preview for a source as typed into the form, before
 * it is saved: the typed password is used for this call only (never stored unless the source is
 * saved), and every failure is the source's own plain-words message with what to do.
 */
import { z } from 'zod';
import { OdbcSourceSchema, SourceConfigSchema, type CatalogTable, type ConnectionTest, type OdbcSourceConfig, type SourceConfig, type TablePreview } from '../../api/index.ts';
import { AgentError, PermanentError } from '../../pipeline/errors.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import type { SourceDraft } from '../dashboard-port.ts';

const CHECK_TIMEOUT_MS = 30_000;

/** The connection test and table discovery load when the source form first uses them, not with the dashboard. */
const discovery = () => import('../../sources/odbc/discovery/index.ts');

/** Where a source's password lives in the keychain when the form did not name a reference. */
export function defaultPasswordRef(sourceName: string): string {
  return `sources/${sourceName}/password`;
}

/** The draft's config with `password: {secretRef}` filled in when a password was typed. */
export function withPasswordRef(draft: SourceDraft): Record<string, unknown> {
  const config = { ...(draft.config as Record<string, unknown>) };
  if (draft.password !== undefined && config.type === 'odbc' && config.password === undefined && typeof config.name === 'string') {
    config.password = { secretRef: defaultPasswordRef(config.name) };
  }
  return config;
}

/** Resolves the typed password for the draft's own reference, anything else from the keychain. */
export class DraftSecretResolver implements SecretResolver {
  readonly #base: SecretResolver;
  readonly #ref: string | undefined;
  readonly #password: string | undefined;

  constructor(base: SecretResolver, ref: string | undefined, password: string | undefined) {
    this.#base = base;
    this.#ref = ref;
    this.#password = password;
  }

  resolve(secretRef: string): Promise<string> {
    if (this.#password !== undefined && secretRef === this.#ref) return Promise.resolve(this.#password);
    return this.#base.resolve(secretRef);
  }
}

/** Validates a draft as a complete source; the error names each field and what was expected. */
export function parseSourceDraft(draft: SourceDraft): SourceConfig {
  return parseWith(SourceConfigSchema, withPasswordRef(draft));
}

/** Discovery and preview need only the connection: streams may still be empty. */
const OdbcConnectionDraftSchema = OdbcSourceSchema.extend({ streams: z.array(z.unknown()).optional() });

function parseConnectionDraft(draft: SourceDraft): OdbcSourceConfig {
  const config = parseWith(OdbcConnectionDraftSchema, withPasswordRef(draft));
  return { ...config, streams: [] };
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(source)'}: ${i.message}`).join('; ');
  throw new PermanentError('source_invalid', `The source is not valid: ${problems}.`);
}

export async function testDraft(draft: SourceDraft, secrets: SecretResolver): Promise<ConnectionTest> {
  let config: SourceConfig;
  try {
    config = parseSourceDraft(draft);
  } catch (error) {
    if (error instanceof AgentError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
  const resolver = new DraftSecretResolver(secrets, config.type === 'odbc' ? config.password?.secretRef : undefined, draft.password);
  const { checkSource } = await import('../../cli/commands/doctor-sources.ts');
  const finding = await checkSource(config, resolver, CHECK_TIMEOUT_MS);
  const message = [finding.text.replace(/^Source "[^"]*": /, ''), ...(finding.detail ?? [])].join('\n');
  if (finding.status === 'skip') return { ok: true, message };
  return finding.status === 'ok' ? { ok: true, message } : { ok: false, code: 'source_check_failed', message };
}

export async function discoverDraft(draft: SourceDraft, secrets: SecretResolver): Promise<CatalogTable[]> {
  const config = parseConnectionDraft(draft);
  const { listTables, openSourceConnection } = await discovery();
  const { connection, dialect } = await openSourceConnection(config, new DraftSecretResolver(secrets, config.password?.secretRef, draft.password));
  try {
    return await listTables(connection, dialect);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function previewDraft(draft: SourceDraft, table: string, rows: number, secrets: SecretResolver): Promise<TablePreview> {
  const config = parseConnectionDraft(draft);
  const { describeColumns, openSourceConnection, previewRows, primaryKeyOf } = await discovery();
  const { connection, dialect } = await openSourceConnection(config, new DraftSecretResolver(secrets, config.password?.secretRef, draft.password));
  try {
    const description = await describeColumns(connection, dialect, table);
    const preview = await previewRows(connection, dialect, table, rows, config.timeZone);
    const columns = description?.columns ?? preview.columns.map((name) => ({ name, type: '', nullable: true, primaryKey: null }));
    return { table: preview.table, columns, rows: preview.rows, primaryKey: primaryKeyOf(columns) };
  } finally {
    await connection.close().catch(() => undefined);
  }
}
