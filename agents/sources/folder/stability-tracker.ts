/**
 * Takes a file only once it is complete: its size and modification time stayed the same for
 * `stableMs` and it can be opened (a writer on Windows holds it locked). Watchers report a file the
 * moment it appears, half written (paulmillr/chokidar#675); this waits for the writer to finish.
 *
 * A file that arrived whole (renamed or linked into the folder, nothing written to it since, as the
 * kernel's events say: arrival-watch.ts) is taken after a short check instead: it has content, two
 * readings `quickMs` apart agree, and it can be opened. A file seen written in place on a local disk
 * is taken once it has been unchanged for `settleMs` and no process holds it open for writing
 * (open-writers.ts), when every process could be looked at; otherwise it waits out `stableMs`.
 * What "complete" means in each mode is in agents/sources/folder/README.md.
 */
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../pipeline/clock.ts';
import { openWriters, type WriterState } from './open-writers.ts';

/** Knows which files arrived whole (arrival-watch.ts). */
export interface ArrivalInfo {
  arrivedWhole(file: string): boolean;
  /** The kernel's events showed writes to the file in the folder (so its last write is known). */
  writtenInPlace?(file: string): boolean;
  forget(file: string): void;
}

/** Files written in place on a local disk: unchanged this long, and no writer has them open. */
export const SETTLE_MS = 150;

interface Watched {
  size: number;
  mtimeMs: number;
  /** When size or mtime last changed (or the file was first seen). */
  changedAt: number;
  /** The writers could not all be seen: this file waits out stableMs. */
  blind?: boolean;
  /** A writer had it open: /proc is not looked through again for it before this. */
  recheckAt?: number;
}

/** A pass over /proc costs tens of ms of CPU: a file a writer holds open is looked at this often. */
const OPEN_RECHECK_MS = 500;

export class StabilityTracker {
  private readonly pending = new Map<string, Watched | null>();
  private readonly stableMs: number;
  private readonly clock: Clock;

  private readonly arrivals: ArrivalInfo | undefined;
  private readonly quickMs: number;
  private readonly settleMs: number;
  private readonly writers: (files: string[]) => Promise<Map<string, WriterState>>;

  /** Asks for a poll: at once for a new file, and when the earliest watched file's window ends. */
  private readonly onDue: (() => void) | undefined;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;

  constructor(options: {
    stableMs: number;
    clock: Clock;
    arrivals?: ArrivalInfo | undefined;
    quickMs?: number;
    settleMs?: number;
    /** Who has the files open for writing (tests replace it). */
    writers?: (files: string[]) => Promise<Map<string, WriterState>>;
    onDue?: () => void;
  }) {
    this.stableMs = options.stableMs;
    this.clock = options.clock;
    this.arrivals = options.arrivals;
    this.quickMs = Math.min(options.quickMs ?? 50, options.stableMs);
    this.settleMs = Math.min(options.settleMs ?? SETTLE_MS, options.stableMs);
    this.writers = options.writers ?? ((files) => openWriters(files));
    this.onDue = options.onDue;
  }

  /** True when the file would be taken after the short check (it arrived whole). */
  arrivedWhole(file: string): boolean {
    return this.arrivals?.arrivedWhole(file) === true;
  }

  /** A file appeared or changed: (re)start watching it. */
  touch(file: string): void {
    if (this.pending.has(file)) return;
    this.pending.set(file, null);
    this.dueIn(0);
  }

  /** Stops asking for polls. */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Calls onDue in `ms` (or sooner, if already asked), so a poll need not wait for the capture interval. */
  private dueIn(ms: number): void {
    if (this.onDue === undefined) return;
    const at = this.clock.now() + ms;
    if (this.timer !== null) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onDue?.();
    }, ms);
    this.timer.unref();
  }

  forget(file: string): void {
    this.pending.delete(file);
    this.arrivals?.forget(file);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Looks at every watched file once; returns those that became ready (and stops watching them). */
  async poll(): Promise<string[]> {
    const ready: string[] = [];
    const quick: Array<[string, { size: number; mtimeMs: number }]> = [];
    const settled: Array<[string, { size: number; mtimeMs: number }]> = [];
    const due: string[] = [];
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
      if (current.size > 0 && this.arrivedWhole(file)) {
        quick.push([file, current]);
        continue;
      }
      // A file needs at least two looks: the first only notes its size and time.
      if (last === null || last.size !== current.size || last.mtimeMs !== current.mtimeMs) {
        this.pending.set(file, { ...current, changedAt: now });
        continue;
      }
      if (now < (last.recheckAt ?? 0)) continue;
      if (now - last.changedAt < this.stableMs) {
        if (this.settles(file, last) && now - last.changedAt >= this.settleMs) settled.push([file, current]);
        continue;
      }
      due.push(file);
    }
    // One pass over /proc for every file that may be taken now. Not when polling: a network share's
    // writers are on other machines, and the pass would only add its time to every file.
    const looked = [...settled.map(([file]) => file), ...(this.arrivals === undefined ? [] : due)];
    const writers = looked.length > 0 ? await this.writers(looked) : new Map<string, WriterState>();
    for (const file of due) {
      // Unchanged for stableMs, but a process we can see still has it open for writing: not taken,
      // however long the writer pauses.
      if (writers.get(file) === 'open') this.waitForWriter(file);
      else if (await openable(file)) {
        this.pending.delete(file);
        ready.push(file);
        this.arrivals?.forget(file);
      }
    }
    if (quick.length > 0) ready.push(...(await this.quickCheck(quick)));
    if (settled.length > 0) ready.push(...(await this.closedCheck(settled, writers)));
    this.askForNextLook();
    return ready;
  }

  /** The next look is due when the earliest window ends (a file seen once is looked at again after quickMs). */
  private askForNextLook(): void {
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [file, last] of this.pending) {
      if (last === null) next = Math.min(next, now + this.quickMs);
      else {
        // A file a writer still had open is looked at again at recheckAt, not before.
        const notBefore = last.recheckAt ?? 0;
        next = Math.min(next, Math.max(last.changedAt + this.stableMs, notBefore));
        if (this.settles(file, last)) next = Math.min(next, Math.max(last.changedAt + this.settleMs, notBefore));
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.dueIn(Math.max(0, next - now));
  }

  /** A writer has the file open: it is looked at again in OPEN_RECHECK_MS. */
  private waitForWriter(file: string): void {
    const last = this.pending.get(file);
    if (last !== undefined && last !== null) this.pending.set(file, { ...last, recheckAt: this.clock.now() + OPEN_RECHECK_MS });
  }

  /** Whether a watched file may be taken before stableMs once its writers have closed it. */
  private settles(file: string, last: Watched): boolean {
    return last.blind !== true && this.settleMs < this.stableMs && this.arrivals?.writtenInPlace?.(file) === true;
  }

  /**
   * Files written in place that have been unchanged for settleMs: taken when no process has them open
   * for writing and a new reading still agrees (nothing wrote while /proc was looked through).
   */
  private async closedCheck(files: Array<[string, { size: number; mtimeMs: number }]>, states: Map<string, WriterState>): Promise<string[]> {
    const ready: string[] = [];
    for (const [file, first] of files) {
      const last = this.pending.get(file);
      if (last === undefined || last === null) continue;
      const state = states.get(file) ?? 'unknown';
      if (state === 'unknown') {
        this.pending.set(file, { ...last, blind: true });
        continue;
      }
      if (state === 'open') {
        this.waitForWriter(file);
        continue;
      }
      const current = await this.reread(file);
      if (current === null) continue;
      if (current.size === first.size && current.mtimeMs === first.mtimeMs && (await openable(file))) {
        this.pending.delete(file);
        this.arrivals?.forget(file);
        ready.push(file);
      } else this.pending.set(file, { ...current, changedAt: this.clock.now() });
    }
    return ready;
  }

  /** The file's size and mtime now; null (and no longer pending) when it is gone. */
  private async reread(file: string): Promise<{ size: number; mtimeMs: number } | null> {
    let current: { size: number; mtimeMs: number };
    try {
      const s = await stat(file);
      current = { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      this.pending.delete(file);
      return null;
    }
    // Events the kernel queued before that reading are handed out in the same turn of the event
    // loop as its result, not necessarily before it: let the turn finish before asking.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return current;
  }

  /** Files that arrived whole: a second reading `quickMs` later must agree (and nothing wrote to them meanwhile). */
  private async quickCheck(files: Array<[string, { size: number; mtimeMs: number }]>): Promise<string[]> {
    await sleep(this.quickMs);
    const ready: string[] = [];
    const now = this.clock.now();
    for (const [file, first] of files) {
      const current = await this.reread(file);
      if (current === null) continue;
      if (current.size === first.size && current.mtimeMs === first.mtimeMs && this.arrivedWhole(file) && (await openable(file))) {
        this.pending.delete(file);
        this.arrivals?.forget(file);
        ready.push(file);
      } else this.pending.set(file, { ...current, changedAt: now });
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
