/**
 * How a file came into a watched folder on a local Linux disk, from the kernel's own change events
 * (inotify through fs.watch): renamed (or linked) in whole, or written in place.
 *
 * Node does not expose inotify's IN_CLOSE_WRITE, but it does pass on every other event: a rename
 * into the folder (IN_MOVED_TO) and a file created there (IN_CREATE) come as `rename`, and every
 * write (IN_MODIFY) and attribute change (IN_ATTRIB) as `change`. A file that has had a `rename` and
 * not one `change` since was put there by a rename or a link: its content was complete before it
 * arrived (the till's and most exporters' write-then-rename), so it need not wait out the stability
 * window. A file written in place gets `change` events with its writes and keeps the window.
 *
 * Only events seen after the watch started count: a file found by a listing, or whose events
 * could not be told apart, is "unknown" and waits the full window (stability-tracker.ts).
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../telemetry/logger.ts';

/** Beyond this many remembered names the memory is dropped (every file then waits the full window). */
const MAX_NAMES = 10_000;

export class ArrivalWatch {
  private readonly root: string;
  private readonly recursive: boolean;
  private readonly logger: Logger;
  /** true: arrived by rename, nothing written since; false: written to (or modified) in the folder. */
  private readonly whole = new Map<string, boolean>();
  private watcher: FSWatcher | null = null;

  constructor(options: { root: string; recursive: boolean; logger: Logger }) {
    this.root = options.root;
    this.recursive = options.recursive;
    this.logger = options.logger;
  }

  /** Starts watching; false (and every file waits the full window) where the platform cannot tell. */
  start(): boolean {
    if (process.platform !== 'linux') return false;
    try {
      this.watcher = watch(this.root, { persistent: false, recursive: this.recursive }, (event, name) => this.event(event, name));
    } catch (error) {
      this.logger.warn({ err: error }, 'The folder cannot be watched for renames; every file waits the full stability window (stableMs).');
      return false;
    }
    this.watcher.on('error', (error) => {
      this.logger.warn({ err: error }, 'The rename watch of the folder failed; every file now waits the full stability window (stableMs).');
      this.close();
    });
    return true;
  }

  /** True when the file arrived by rename (or link) and nothing has written to it since. */
  arrivedWhole(file: string): boolean {
    return this.watcher !== null && this.whole.get(file) === true;
  }

  /** True when writes to the file in the folder were seen (each write(2) is an event). */
  writtenInPlace(file: string): boolean {
    return this.watcher !== null && this.whole.get(file) === false;
  }

  forget(file: string): void {
    this.whole.delete(file);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    this.whole.clear();
  }

  private event(event: string, name: string | Buffer | null): void {
    if (name === null) {
      // An event that names no file cannot be placed: forget everything rather than trust it.
      this.whole.clear();
      return;
    }
    const file = path.join(this.root, name.toString());
    if (event === 'rename') {
      if (!this.whole.has(file)) {
        if (this.whole.size >= MAX_NAMES) this.whole.clear();
        this.whole.set(file, true);
      }
    } else this.whole.set(file, false);
  }
}
