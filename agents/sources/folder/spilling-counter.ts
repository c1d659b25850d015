/**
 * Occurrence counters (formats/occurrence-counter.ts) for the reading worker, whose memory must not
 * grow with the number of entries in a file (issue 10). A large CAMT or CSV file is read twice
 * (file-reader.ts): the check pass is timed against the file's budget and needs no entry keys, only
 * the "repeated reference" warning, so it counts exactly up to `memoryKeys` and then stops
 * remembering (CappedCounter); the pass that builds the records needs exact keys, is not timed, and
 * moves to disk (SpillingCounter). The repeated-reference warnings of that pass are added to the
 * file's record (file-job.ts).
 *
 * SpillingCounter keeps its first keys in memory and moves to a scratch SQLite file once it holds
 * `memoryKeys` of them: a statement of nine million
 * entries would otherwise need ~200 MB of hash table in the reading worker, and the agent with its
 * worker must stay under 200 MiB whatever the file's size (issue 10). On disk a key costs one
 * upsert (a few microseconds; the file's pages are in the OS cache, outside the process).
 *
 * The scratch file holds 64-bit hashes and counts only, never text; it is deleted by `close()`,
 * which the worker calls when the file is done (or failed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hexHash, HashCounter, textHash } from '../../formats/hash-counter.ts';
import { useOccurrenceCounters, type OccurrenceCounter } from '../../formats/occurrence-counter.ts';

/** About 6 MB of table in memory (2^19 slots of 12 bytes) before moving to disk. */
export const SPILL_AFTER_KEYS = 360_000;
/** Upserts per transaction on disk: the scratch file is neither journaled nor synced. */
const BATCH = 20_000;

export class SpillingCounter implements OccurrenceCounter {
  private memory: HashCounter | null = new HashCounter();
  private disk: { db: Database.Database; upsert: Database.Statement<[bigint]>; dir: string; pending: number } | null =
    null;

  private readonly scratchRoot: string;
  private readonly memoryKeys: number;

  constructor(scratchRoot: string, memoryKeys = SPILL_AFTER_KEYS) {
    this.scratchRoot = scratchRoot;
    this.memoryKeys = memoryKeys;
  }

  /** Whether the counter has moved to disk (for tests and logs). */
  get spilled(): boolean {
    return this.disk !== null;
  }

  incrementText(text: string): number {
    const [h1, h2] = textHash(text);
    return this.increment(h1, h2);
  }

  incrementHex(hex: string): number {
    const [h1, h2] = hexHash(hex);
    return this.increment(h1, h2);
  }

  close(): void {
    this.memory = null;
    const disk = this.disk;
    this.disk = null;
    if (disk === null) return;
    try {
      disk.db.close();
    } finally {
      rmSync(disk.dir, { recursive: true, force: true });
    }
  }

  private increment(h1: number, h2: number): number {
    if (this.memory !== null) {
      const before = this.memory.incrementHash(h1, h2);
      if (this.memory.size >= this.memoryKeys) this.spill(this.memory);
      return before;
    }
    const disk = this.disk;
    if (disk === null) throw new Error('SpillingCounter: used after close()');
    if (disk.pending === 0) disk.db.exec('BEGIN');
    const before = disk.upsert.get(key64(h1, h2)) as bigint;
    disk.pending += 1;
    if (disk.pending >= BATCH) {
      disk.db.exec('COMMIT');
      disk.pending = 0;
    }
    return Number(before);
  }

  private spill(memory: HashCounter): void {
    // mkdtemp makes the folder readable by this user only.
    const dir = mkdtempSync(path.join(this.scratchRoot, 'tya-keys-'));
    const db = new Database(path.join(dir, 'keys.db'));
    db.defaultSafeIntegers(true);
    // Scratch: a crash loses nothing (the file is read again from the start), so no journal and no sync.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -4096');
    db.exec('CREATE TABLE seen (h INTEGER PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID');
    const insert = db.prepare<[bigint, bigint]>('INSERT INTO seen (h, n) VALUES (?, ?)');
    db.transaction(() => {
      for (const [x, y, count] of memory.entries()) insert.run(key64(x, y), BigInt(count));
    })();
    const upsert = db
      .prepare<[bigint]>(
        'INSERT INTO seen (h, n) VALUES (?, 1) ON CONFLICT (h) DO UPDATE SET n = n + 1 RETURNING n - 1',
      )
      .pluck();
    this.disk = { db, upsert, dir, pending: 0 };
    this.memory = null;
  }
}

/** Exact up to `memoryKeys` keys; after that a key it does not hold counts as never seen before. */
export class CappedCounter implements OccurrenceCounter {
  private readonly memory = new HashCounter();
  private readonly memoryKeys: number;

  constructor(memoryKeys = SPILL_AFTER_KEYS) {
    this.memoryKeys = memoryKeys;
  }

  incrementText(text: string): number {
    const [h1, h2] = textHash(text);
    return this.increment(h1, h2);
  }

  incrementHex(hex: string): number {
    const [h1, h2] = hexHash(hex);
    return this.increment(h1, h2);
  }

  private increment(h1: number, h2: number): number {
    if (this.memory.size < this.memoryKeys) return this.memory.incrementHash(h1, h2);
    return this.memory.countOf(h1, h2);
  }
}

/**
 * Runs `work` with this thread's parsers using `kind` counters, then closes every counter it made
 * (deleting scratch files) and puts the previous kind back.
 */
export async function withCounters<T>(
  kind: 'check' | 'exact',
  work: () => Promise<T>,
  scratchRoot = os.tmpdir(),
): Promise<T> {
  const made: SpillingCounter[] = [];
  useOccurrenceCounters(() => {
    if (kind === 'check') return new CappedCounter();
    const counter = new SpillingCounter(scratchRoot);
    made.push(counter);
    return counter;
  });
  try {
    return await work();
  } finally {
    useOccurrenceCounters(undefined);
    for (const counter of made) counter.close();
  }
}

/** Two unsigned 32-bit words as one signed 64-bit integer (SQLite's INTEGER). */
function key64(h1: number, h2: number): bigint {
  if (h1 === 0 && h2 === 0) h2 = 1;
  return BigInt.asIntN(64, (BigInt(h1) << 32n) | BigInt(h2));
}
