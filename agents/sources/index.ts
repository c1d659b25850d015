/**
 * The explicit registry of source plugins: one case per `type` in the config schema, so adding a
 * source kind is a compile error here until it is wired (DESIGN.md §3, §8).
 *
 * Each kind's module is loaded when a config first names that kind (`loadSourceKinds`), not when the
 * agent starts: an agent of ODBC sources does not hold the folder source's file formats, XML parser
 * and watcher, nor the RabbitMQ client, in memory (bench/footprint). `createSource` stays
 * synchronous for callers that loaded the kinds of their config first; `openSource` does both.
 */
import type { SourceConfig } from '../api/index.ts';
import { AgentError, assertNever } from '../pipeline/errors.ts';
import type { Source, SourceContext } from '../pipeline/source.ts';
import type * as OdbcKind from './odbc/index.ts';
import type * as FolderKind from './folder/index.ts';
import type * as RabbitmqKind from './rabbitmq/index.ts';

const kinds: { odbc?: typeof OdbcKind; folder?: typeof FolderKind; rabbitmq?: typeof RabbitmqKind } = {};

/** Loads the modules of the source kinds these configs use (each once per process). */
export async function loadSourceKinds(configs: readonly Pick<SourceConfig, 'type'>[]): Promise<void> {
  for (const type of new Set(configs.map((c) => c.type))) {
    switch (type) {
      case 'odbc':
        kinds.odbc ??= await import('./odbc/index.ts');
        break;
      case 'folder':
        kinds.folder ??= await import('./folder/index.ts');
        break;
      case 'rabbitmq':
        kinds.rabbitmq ??= await import('./rabbitmq/index.ts');
        break;
      default:
        assertNever(type, 'source type');
    }
  }
}

function loaded<K>(kind: K | undefined, type: SourceConfig['type']): K {
  if (kind === undefined) {
    throw new AgentError('source_kind_not_loaded', `The ${type} source module is not loaded: the agent starts sources only after loadSourceKinds().`, {
      hint: 'This is a bug in the agent; report it with the log.',
    });
  }
  return kind;
}

export function createSource(config: SourceConfig, ctx: SourceContext): Source {
  switch (config.type) {
    case 'odbc':
      return new (loaded(kinds.odbc, 'odbc').OdbcSource)(config, ctx);
    case 'folder':
      return new (loaded(kinds.folder, 'folder').FolderSource)(config, ctx);
    case 'rabbitmq':
      return new (loaded(kinds.rabbitmq, 'rabbitmq').RabbitmqSource)(config, ctx);
    default:
      return assertNever(config, 'source type');
  }
}

/** `createSource` after loading the config's kind: for one-off readers (doctor, previews). */
export async function openSource(config: SourceConfig, ctx: SourceContext): Promise<Source> {
  await loadSourceKinds([config]);
  return createSource(config, ctx);
}
