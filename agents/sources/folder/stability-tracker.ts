/**
 * Takes a file only once it is complete: its size and modification time stayed the same for
 * `stableMs` and it can be opened (a writer on Windows holds it locked). Watchers report a file the
 * moment it appears, half written (paulmillr/chokidar#675); this waits for the writer to finish.
 */
import { open, stat } from 'node:fs/promises';
import type { Clock } from '../../pipeline/clock.ts';

interface Watched {
  size: number;
  mtimeMs: number;
  /** When size or mtime last changed (or the file was first seen). */
  changedAt: number;
}

export class StabilityTracker {
  private readonly pending = new Map<string, Watched | null>();
  private readonly stableMs: number;
  private readonly clock: Clock;

  constructor(options: { stableMs: number; clock: Clock }) {
    this.stableMs = options.stableMs;
    this.clock = options.clock;
  }

  /** A file appeared or changed: (re)start watching it. */
  touch(file: string): void {
    if (!this.pending.has(file)) this.pending.set(file, null);
  }

  forget(file: string): void {
    this.pending.delete(file);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Looks at every watched file once; returns those that became ready (and stops watching them). */
  async poll(): Promise<string[]> {
    const ready: string[] = [];
    const now = this.clock.now();
    for (const [file, last] of [...this.pending]) {
      let current: { size: number; mtimeMs: number };
      try {
        const s = await stat(file);
        if (!s.isFile()) {
          this.pending.delete(file);
          continue;
        }
        current = { size: s.size, mtimeMs: s.mtimeMs };
      } catch {
        // Gone (renamed away, deleted): nothing to take.
        this.pending.delete(file);
        continue;
      }
      // A file needs at least two looks: the first only notes its size and time.
      if (last === null || last.size !== current.size || last.mtimeMs !== current.mtimeMs) {
        this.pending.set(file, { ...current, changedAt: now });
        continue;
      }
      if (now - last.changedAt < this.stableMs) continue;
      if (await openable(file)) {
        this.pending.delete(file);
        ready.push(file);
      }
    }
    return ready;
  }
}

async function openable(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    await handle.close();
    return true;
  } catch {
    return false;
  }
}
