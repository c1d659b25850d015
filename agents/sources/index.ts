/**
 * The explicit registry of source plugins: one case per `type` in the config schema, so adding a
 * source kind is a compile error here until it is wired (DESIGN.md §3, §8).
 */
import type { SourceConfig } from '../api/index.ts';
import { assertNever } from '../pipeline/errors.ts';
import type { Source, SourceContext } from '../pipeline/source.ts';
import { OdbcSource } from './odbc/index.ts';
import { FolderSource } from './folder/index.ts';
import { RabbitmqSource } from './rabbitmq/index.ts';

export function createSource(config: SourceConfig, ctx: SourceContext): Source {
  switch (config.type) {
    case 'odbc':
      return new OdbcSource(config, ctx);
    case 'folder':
      return new FolderSource(config, ctx);
    case 'rabbitmq':
      return new RabbitmqSource(config, ctx);
    default:
      return assertNever(config, 'source type');
  }
}
