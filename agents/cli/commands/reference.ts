/**
 * `tya-agent reference list` and `tya-agent reference refresh [NAME] [--entity E]` (issue 13 item 3):
 * what the local reference cache holds, and revalidating it with the cloud by ETag. The cache lives in
 * `reference.db` in the data folder (docs/reference-data.md).
 */
import type { Command } from 'commander';
import type { LoadedConfig } from '../../engine/load-config.ts';
import type { CachedList, RefreshOutcome } from '../../reference/index.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { CONFIG_OPTION_HELP } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export interface ReferenceListOptions {
  config?: string;
  json?: boolean;
}

export interface ReferenceRefreshOptions extends ReferenceListOptions {
  entity?: string;
}

/** `cloud.entity` first, then every other entity a source names. */
export function configuredEntities(loaded: LoadedConfig): string[] {
  const entities = [loaded.config.cloud.entity];
  for (const source of loaded.config.sources) {
    if ('entity' in source && typeof source.entity === 'string' && !entities.includes(source.entity)) entities.push(source.entity);
  }
  return entities;
}

async function openData(configOption: string | undefined, online: boolean) {
  const { resolveConfig } = await import('../config-option.ts');
  const { mkdirSync } = await import('node:fs');
  const { ReferenceData, ReferenceStore, referenceDbPath } = await import('../../reference/index.ts');
  const { systemClock } = await import('../../pipeline/clock.ts');
  const loaded = resolveConfig(configOption);
  const cloud = online ? (await import('./reference-cloud.ts')).openReferenceCloud(loaded) : undefined;
  const { createPrivateFilesFromNowOn } = await import('../../engine/private-files.ts');
  // reference.db holds the cloud's lists for this company's books: the agent's user only, like the outbox.
  createPrivateFilesFromNowOn();
  mkdirSync(loaded.dataDir, { recursive: true, mode: 0o700 });
  const store = new ReferenceStore(referenceDbPath(loaded.dataDir));
  const data = new ReferenceData({ store, clock: systemClock, ...(cloud === undefined ? {} : { fetcher: cloud.client }) });
  return {
    loaded,
    data,
    close: async () => {
      data.close();
      await cloud?.close();
    },
  };
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

function describe(list: CachedList, now: number): string {
  const failed = list.lastError === undefined ? '' : `; last refresh failed ${age(now - list.lastError.at)} ago: ${list.lastError.message}`;
  return (
    `${list.entity.padEnd(12)} ${list.name.padEnd(14)} ${String(list.items.length).padStart(5)} rows  etag ${list.etag ?? '(none)'}  ` +
    `fetched ${new Date(list.fetchedAt).toISOString()}  checked ${new Date(list.checkedAt).toISOString()} (${age(now - list.checkedAt)} ago)${failed}`
  );
}

function listJson(list: CachedList, now: number) {
  return {
    entity: list.entity,
    name: list.name,
    rows: list.items.length,
    etag: list.etag ?? null,
    fetchedAt: new Date(list.fetchedAt).toISOString(),
    checkedAt: new Date(list.checkedAt).toISOString(),
    ageSecs: Math.round((now - list.checkedAt) / 1000),
    lastError: list.lastError === undefined ? null : { message: list.lastError.message, at: new Date(list.lastError.at).toISOString() },
  };
}

function outcomeJson(o: RefreshOutcome, now: number) {
  const failure = o.status === 'failed' ? { error: o.error, staleSecs: o.staleMs === undefined ? null : Math.round(o.staleMs / 1000) } : {};
  return { entity: o.entity, name: o.name, status: o.status, ...failure, list: o.list === undefined ? null : listJson(o.list, now) };
}

export async function referenceListCommand(options: ReferenceListOptions, io: CliIo): Promise<ExitCodeValue> {
  const opened = await openData(options.config, false);
  try {
    const now = Date.now();
    const lists = opened.data.all();
    if (options.json) io.out(JSON.stringify(lists.map((l) => listJson(l, now)), null, 2));
    else if (lists.length === 0) io.out('No reference lists cached yet. Run "tya-agent reference refresh" to fetch them.');
    else for (const l of lists) io.out(describe(l, now));
    return ExitCode.ok;
  } finally {
    await opened.close();
  }
}

export async function referenceRefreshCommand(name: string | undefined, options: ReferenceRefreshOptions, io: CliIo): Promise<ExitCodeValue> {
  const { STANDARD_REFERENCE_LISTS } = await import('../../reference/index.ts');
  const opened = await openData(options.config, true);
  try {
    const known = configuredEntities(opened.loaded);
    if (options.entity !== undefined && !known.includes(options.entity)) {
      throw new CliError(ExitCode.usage, 'unknown_entity', `"${options.entity}" is not an entity of this config (it has: ${known.join(', ')}).`, {
        hint: 'Use cloud.entity or the entity of one of the sources.',
      });
    }
    const entities = options.entity === undefined ? known : [options.entity];
    const names = name === undefined ? [...STANDARD_REFERENCE_LISTS] : [name];
    const outcomes: RefreshOutcome[] = [];
    for (const entity of entities) for (const n of names) outcomes.push(await opened.data.refresh(entity, n));
    const now = Date.now();
    if (options.json) {
      io.out(JSON.stringify(outcomes.map((o) => outcomeJson(o, now)), null, 2));
    } else {
      for (const o of outcomes) {
        const what = `${o.entity} ${o.name}`;
        if (o.status !== 'failed') {
          io.out(o.status === 'fetched' ? `${what}: fetched ${o.list.items.length} rows (etag ${o.list.etag ?? 'none'})` : `${what}: unchanged (${o.list.items.length} rows)`);
          continue;
        }
        const kept = o.list === undefined ? 'nothing cached' : `keeping the cached copy last confirmed ${age(o.staleMs ?? 0)} ago`;
        io.out(`${what}: FAILED, ${kept}: ${o.error}`);
      }
    }
    return outcomes.some((o) => o.status === 'failed') ? ExitCode.cloud : ExitCode.ok;
  } finally {
    await opened.close();
  }
}

/** Adds `reference list` and `reference refresh` to the program (one line in program.ts). */
export function registerReferenceCommands(
  program: Command,
  action: <A extends unknown[]>(fn: (...args: A) => Promise<ExitCodeValue>) => (...args: A) => Promise<void>,
  io: CliIo,
): void {
  const reference = program.command('reference').description("the cloud's reference lists (currencies, tax codes, accounts, periods…) cached per entity for offline validation");
  reference
    .command('list')
    .description('show what is cached: entity, list, rows, ETag, when fetched and last confirmed, and any failed refresh')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print as JSON')
    .action(action((opts: ReferenceListOptions) => referenceListCommand(opts, io)));
  reference
    .command('refresh [name]')
    .description('revalidate cached lists with the cloud (If-None-Match: unchanged lists cost a 304); default: every standard list for every entity')
    .option('--entity <entity>', 'only this entity (default: cloud.entity and every source entity)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the outcomes as JSON')
    .addHelpText('after', '\nA failed refresh keeps the cached copy. Exit code: 0 all refreshed, 7 some list could not be fetched, 6 not enrolled.')
    .action(action((name: string | undefined, opts: ReferenceRefreshOptions) => referenceRefreshCommand(name, opts, io)));
}
