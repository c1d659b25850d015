/**
 * Finds candidate files: chokidar events (inotify/ReadDirectoryChanges locally, polling on network
 * shares, which send no events), plus a full listing at start and on a timer in case an event was
 * missed (a share that reconnected, a watcher limit reached).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FSWatcher } from 'chokidar';
import type { Logger } from '../../telemetry/logger.ts';
import type { FolderLayout } from './folder-layout.ts';

export interface FolderWatcherOptions {
  layout: FolderLayout;
  usePolling: boolean;
  pollIntervalMs: number;
  rescanIntervalMs: number;
  recursive: boolean;
  logger: Logger;
  /** Started before and closed after the chokidar watch (local disks only). */
  arrivals?: { start(): boolean; close(): void } | undefined;
  /** A candidate file appeared or changed. */
  onFile(file: string): void;
  /** Called after every full listing (to tidy alerts about files that are gone). */
  onRescan?(): void;
}

export class FolderWatcher {
  private readonly options: FolderWatcherOptions;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;

  constructor(options: FolderWatcherOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    const { layout, usePolling, pollIntervalMs, recursive, logger } = this.options;
    const watcher = new FSWatcher({
      persistent: true,
      ignoreInitial: true,
      usePolling,
      interval: pollIntervalMs,
      binaryInterval: pollIntervalMs,
      ...(recursive ? {} : { depth: 0 }),
      // Called with and without stats; without, a path is judged by its folder (the root is never ignored).
      ignored: (file: string, stats?: { isDirectory(): boolean }) =>
        path.resolve(file) !== layout.root &&
        (stats?.isDirectory() === true ? layout.isIgnoredDir(file) : layout.isIgnoredDir(path.dirname(file))),
    });
    const found = (file: string) => {
      if (layout.isCandidate(file)) this.options.onFile(path.resolve(file));
    };
    watcher.on('add', found).on('change', found);
    watcher.on('error', (error) =>
      logger.warn({ err: error }, 'The folder watcher reported a problem; the periodic rescan keeps finding files.'),
    );
    this.options.arrivals?.start();
    const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    watcher.add(layout.root);
    this.watcher = watcher;
    await ready;
    await this.rescan();
    this.timer = setInterval(() => void this.rescan(), this.options.rescanIntervalMs);
    this.timer.unref();
  }

  /** Lists the folder (and subfolders when configured) and reports every candidate. */
  rescan(): Promise<void> {
    this.scanning ??= this.list()
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'Listing the watched folder failed; trying again at the next rescan.'),
      )
      .finally(() => {
        this.scanning = null;
      });
    return this.scanning;
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.watcher?.close();
    this.watcher = null;
    this.options.arrivals?.close();
  }

  private async list(): Promise<void> {
    const { layout } = this.options;
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (this.options.recursive && !layout.isIgnoredDir(full)) await walk(full);
        } else if (entry.isFile() && layout.isCandidate(full)) this.options.onFile(full);
      }
    };
    await walk(layout.root);
    this.options.onRescan?.();
  }
}
