import type { FolderSourceConfig } from '../../api/index.ts';
import type { ReadResult, Source, SourceContext } from '../../pipeline/source.ts';

/** Watched folder of bank statements and POS shift-close reports (issue 4). */
export class FolderSource implements Source {
  readonly name: string;
  readonly type = 'folder';
  private readonly config: FolderSourceConfig;
  private readonly ctx: SourceContext;

  constructor(config: FolderSourceConfig, ctx: SourceContext) {
    this.name = config.name;
    this.config = config;
    this.ctx = ctx;
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  read(): Promise<ReadResult | null> {
    return Promise.resolve(null);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
