/**
 * One snapshot round: compares the table with the manifest (the rows' keys and hashes as of the last
 * round) and yields the records for what changed. data-diff's method: the manifest is cut into
 * chunks of consecutive keys; for each chunk the database adds up its rows' hashes, in 64 parts
 * with one query (segment-sums.ts), and the agent compares each part's count and sum with the
 * manifest's; only a part that differs is split again, until a range of at most `leafRows`
 * manifest rows is compared row by row: new keys and changed hashes become upserts, manifest keys not found become deletes.
 * The key space after the manifest's last key (the tail) is read row by row: on the first round,
 * that is the whole table. Where the database has no hash function (SQLite) every range is compared
 * row by row with hashes the agent computes.
 *
 * Every query is bounded: a count and a sum over a key range, or `pageRows` rows of a key range.
 * The generator mutates the working state it was given and yields after each chunk (so other
 * streams get a turn) and whenever enough records are waiting; the reader copies the state at each
 * yield, and a step's records always belong with the state at that step.
 */
import type { SourceRecord } from '../../../api/index.ts';
import type { Row } from '../row-reader.ts';
import { deleteRecord, fetchRows, upsertRecord } from '../row-reader.ts';
import type { LowerBound } from '../scan-query.ts';
import { longestValueGuard, scanQuery } from '../scan-query.ts';
import type { ColumnSignature } from '../schema-drift.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { SnapshotSettings } from '../stream-settings.ts';
import type { ReadContext } from '../stream-reader.ts';
import type { RowHashSql } from '../dialects/index.ts';
import { nextChunkRows } from './chunk-size.ts';
import { hashFromHex, localRowHash } from './row-hash.ts';
import { RowList, keyLine } from './row-list.ts';
import { segmentSums } from './segment-sums.ts';
import { bucketSums, integerKey } from './bucket-sums.ts';
import type { LeafOutcome, LeafRange } from './batch-leaves.ts';
import { compareLeaves } from './batch-leaves.ts';
import type { SnapshotState } from './snapshot-state.ts';

export interface RoundStep {
  records: SourceRecord[];
  /** The round is over (the state is the new manifest). */
  done: boolean;
}

export interface RoundOptions {
  plan: StreamPlan;
  settings: SnapshotSettings;
  pageRows: number;
  timeZone: string;
  /** The columns the plan reads now; the manifest's hashes compare only if it was made with the same. */
  columns: ColumnSignature[];
}

/**
 * Records waiting for a commit are flushed at ten pages' worth (5,000 by default), or this many
 * bytes of text, or this old. A commit writes only the manifest rows made since the last one
 * (checkpoint parts, snapshot-state.ts), so its cost does not grow with the manifest.
 */
const FLUSH_PAGES = 10;
const FLUSH_BYTES = 8 * 1024 * 1024;
const FLUSH_AFTER_MS = 5_000;
const HASH_ALIAS = 'row_hash';
const LEGACY_ALIAS = 'row_hash_legacy';
/** Parts a differing range is split into per query (any key). */
const SEGMENTS = 64;
/** Most parts per query on the integer-key fast path (a 200,000-row chunk in 64-row parts is 3,125). */
const MAX_BUCKETS = 4096;
/** Most manifest rows of small differing parts compared in one batch (their changes wait in memory). */
const BATCH_ROWS = 32_768;

export class SnapshotRound {
  readonly #w: SnapshotState;
  readonly #options: RoundOptions;
  readonly #context: () => ReadContext;
  /** False when the manifest was made from other columns: its hashes cannot match, skip the sums. */
  readonly #compareSums: boolean;
  #pending: SourceRecord[] = [];
  #pendingBytes = 0;
  #pendingSince = 0;
  #emitted = false;
  readonly #resumed: boolean;
  /** The hash the old manifest was made with, when it is not the current one but the dialect can still compute it. */
  readonly #legacy: RowHashSql | undefined;
  /** Integer key and a database that buckets by it: thousands of parts per query (bucket-sums.ts). */
  #fastPath: boolean;

  /** `context` is asked anew at each query: each read of the source brings its own. */
  constructor(working: SnapshotState, options: RoundOptions, context: () => ReadContext) {
    this.#w = working;
    this.#options = options;
    this.#context = context;
    const { rowHash, dialect } = context();
    // The hash the manifest was made with: named in it, or (older manifests) the dialect's legacy one.
    const made = working.hash ?? dialect.legacyRowHash?.id ?? rowHash?.id;
    const sameColumns = JSON.stringify(working.columns) === JSON.stringify(options.columns);
    this.#compareSums = rowHash !== undefined && made === rowHash.id && sameColumns;
    // Made with the legacy hash: compare each row by it once, and keep the current one in the new manifest.
    this.#legacy = rowHash !== undefined && made !== rowHash.id && made === dialect.legacyRowHash?.id && sameColumns ? dialect.legacyRowHash : undefined;
    this.#resumed = working.round !== null;
    this.#fastPath = integerKey(options.plan) !== null && context().dialect.integerBucket !== undefined;
    if (working.round === null) {
      working.round = { after: null, leaf: null };
      working.next = new RowList();
      working.nextLength = 0;
    }
  }

  /**
   * Whether the new manifest must be committed at the end: something changed, or the round resumed
   * a saved one (whose checkpoint would otherwise keep sending the next start into the old round).
   */
  get changed(): boolean {
    return this.#emitted || this.#resumed;
  }

  async *run(): AsyncGenerator<RoundStep> {
    const w = this.#w;
    if (w.round!.leaf !== null) yield* this.#leaf();
    while (w.oldOffset < w.old.length) {
      const rows = Math.min(this.#rangeRows(), w.old.length - w.oldOffset);
      yield* this.#range(rows, true);
      if (this.#pending.length === 0 || this.#shouldFlush()) yield this.#step(false);
    }
    // The tail: keys after the manifest's last one (all of the table in the first round).
    w.round!.leaf = { end: 0, at: null, seen: [] };
    yield* this.#leaf();
    w.old = w.next;
    w.oldOffset = 0;
    w.next = new RowList();
    w.nextLength = 0;
    w.round = null;
    w.columns = this.#options.columns;
    w.hash = this.#context().rowHash?.id ?? null;
    yield this.#step(true);
  }

  /** Manifest rows per chunk: adapted to the database's speed, or a page where rows are compared one by one. */
  #rangeRows(): number {
    if (this.#compareSums) return this.#w.chunkRows;
    return Math.min(this.#w.chunkRows, Math.max(this.#options.pageRows, this.#options.settings.leafRows));
  }

  /**
   * Compares the next `count` manifest rows' key range in parts with one query: 64 (any key), or
   * `leafRows`-sized ones on the integer-key fast path (bucket-sums.ts). Equal parts are kept;
   * differing small ones are compared together (batch-leaves.ts) or row by row, larger ones split again.
   */
  async *#range(count: number, chunk: boolean): AsyncGenerator<RoundStep> {
    const w = this.#w;
    const rowHash = this.#context().rowHash;
    if (!this.#compareSums || rowHash === undefined) {
      w.round!.leaf = { end: count, at: null, seen: [] };
      yield* this.#leaf();
      return;
    }
    const { leafRows } = this.#options.settings;
    const fast = this.#fastPath;
    const parts = fast ? Math.min(MAX_BUCKETS, Math.ceil(count / leafRows)) : Math.min(SEGMENTS, count);
    const sizes = Array.from({ length: parts }, (_, i) => Math.floor((count * (i + 1)) / parts) - Math.floor((count * i) / parts));
    const boundaries: string[][] = [];
    let end = w.oldOffset;
    for (const size of sizes) {
      end += size;
      boundaries.push(w.old.key(end - 1));
    }
    const context = this.#context();
    const started = context.now();
    const plan = this.#options.plan;
    const sums = fast
      ? await bucketSums(context, plan, rowHash, w.round!.after, boundaries)
      : await segmentSums(context, plan, rowHash, w.round!.after, boundaries);
    if (sums === null) {
      // A key outside 64 bits: this stream takes the general path from here on.
      this.#fastPath = false;
      yield* this.#range(count, chunk);
      return;
    }
    if (chunk) {
      const scanned = sums.reduce((total, part) => total + part.rows, 0);
      w.chunkRows = nextChunkRows(w.chunkRows, scanned, context.now() - started, this.#options.settings);
    }
    let offset = w.oldOffset;
    const equal = sizes.map((size, i) => {
      const same = sums[i]!.rows === size && sums[i]!.sum === w.old.sumHashes(offset, size);
      offset += size;
      return same;
    });
    const batched = fast ? await this.#compareSmall(sizes, boundaries, equal) : new Map<number, LeafOutcome>();
    for (const [i, size] of sizes.entries()) {
      const outcome = batched.get(i);
      if (equal[i]!) {
        w.next.copyFrom(w.old, w.oldOffset, size);
        w.nextLength += size;
        w.oldOffset += size;
        w.round!.after = boundaries[i]!;
      } else if (outcome !== undefined) {
        this.#applyOutcome(outcome, size, boundaries[i]!);
      } else if (size <= leafRows) {
        w.round!.leaf = { end: size, at: null, seen: [] };
        yield* this.#leaf();
      } else {
        yield* this.#range(size, false);
      }
    }
  }

  /** The differing parts of at most `leafRows` rows, compared in one batch (up to BATCH_ROWS manifest rows). */
  async #compareSmall(sizes: number[], boundaries: string[][], equal: boolean[]): Promise<Map<number, LeafOutcome>> {
    const w = this.#w;
    const ranges: LeafRange[] = [];
    const indexes: number[] = [];
    let start = w.oldOffset;
    let total = 0;
    for (const [i, size] of sizes.entries()) {
      if (!equal[i]! && size <= this.#options.settings.leafRows && total + size <= BATCH_ROWS) {
        ranges.push({ lo: i === 0 ? w.round!.after : boundaries[i - 1]!, hi: boundaries[i]!, start, size });
        indexes.push(i);
        total += size;
      }
      start += size;
    }
    const batched = new Map<number, LeafOutcome>();
    if (ranges.length === 0) return batched;
    const { plan, pageRows } = this.#options;
    const outcomes = await compareLeaves(this.#context(), plan, this.#context().rowHash!, w.old, ranges, pageRows, HASH_ALIAS);
    outcomes.forEach((outcome, j) => batched.set(indexes[j]!, outcome));
    return batched;
  }

  #applyOutcome(outcome: LeafOutcome, size: number, hi: string[]): void {
    const w = this.#w;
    const { plan, timeZone } = this.#options;
    const capturedAt = this.#context().capturedAt;
    const unchanged = new OldRun(w);
    for (const row of outcome.rows) {
      if (row.texts === null && row.oldIndex !== undefined) {
        unchanged.add(row.oldIndex);
        continue;
      }
      unchanged.flush();
      if (row.texts !== null) this.#emit(upsertRecord(plan, row.texts, timeZone, capturedAt), row.texts);
      w.next.push(row.key, row.hash);
      w.nextLength += 1;
    }
    unchanged.flush();
    for (const index of outcome.deleted) this.#emit(deleteRecord(plan, w.old.key(index), timeZone, capturedAt), []);
    w.oldOffset += size;
    w.round!.after = hi;
  }

  /** Compares the current leaf range row by row, from where it stopped; the tail when `end` is 0. */
  async *#leaf(): AsyncGenerator<RoundStep> {
    const w = this.#w;
    const leaf = w.round!.leaf!;
    const { plan, pageRows, timeZone } = this.#options;
    const hi = leaf.end > 0 ? w.old.key(w.oldOffset + leaf.end - 1) : undefined;
    const manifest = new Map<string, number>();
    for (let i = 0; i < leaf.end; i += 1) manifest.set(w.old.line(w.oldOffset + i), i);
    const seen = new Set(leaf.seen);
    const unchanged = new OldRun(w);
    for (;;) {
      const rows = await this.#readRows(leaf.at ?? w.round!.after, hi);
      for (const row of rows) {
        const hash = row.extra[HASH_ALIAS] === undefined ? localRowHash(row.texts) : hashFromHex(row.extra[HASH_ALIAS]);
        const compared = this.#legacy === undefined ? hash : hashFromHex(row.extra[LEGACY_ALIAS]);
        const index = manifest.get(keyLine(row.key));
        const first = index !== undefined && !seen.has(index);
        if (first) {
          seen.add(index);
          leaf.seen.push(index);
        }
        leaf.at = row.key;
        const same = index !== undefined && w.old.hash(w.oldOffset + index) === compared;
        // Unchanged in the same hash: the new manifest takes the old row by reference.
        if (first && same && compared === hash) {
          unchanged.add(w.oldOffset + index);
          continue;
        }
        unchanged.flush();
        if (!same) this.#emit(upsertRecord(plan, row.texts, timeZone, this.#context().capturedAt), row.texts);
        w.next.push(row.key, hash);
        w.nextLength += 1;
      }
      unchanged.flush();
      if (rows.length < pageRows) break;
      if (this.#shouldFlush()) yield this.#step(false);
    }
    for (let i = 0; i < leaf.end; i += 1) {
      if (!seen.has(i)) this.#emit(deleteRecord(plan, w.old.key(w.oldOffset + i), timeZone, this.#context().capturedAt), []);
    }
    w.oldOffset += leaf.end;
    // The tail has no upper key: what it read last is where a resumed round goes on.
    w.round!.after = hi ?? leaf.at ?? w.round!.after;
    w.round!.leaf = null;
  }

  async #readRows(after: string[] | null, hi: string[] | undefined): Promise<Row[]> {
    const context = this.#context();
    const { plan, pageRows } = this.#options;
    const rowHash = context.rowHash;
    const guard = longestValueGuard(plan.table.columns);
    const extra = rowHash === undefined ? [] : [`${rowHash.hex(plan.table.columns)} AS ${HASH_ALIAS}`];
    const aliases = rowHash === undefined ? [] : [HASH_ALIAS];
    if (this.#legacy !== undefined) {
      extra.push(`${this.#legacy.hex(plan.table.columns)} AS ${LEGACY_ALIAS}`);
      aliases.push(LEGACY_ALIAS);
    }
    if (guard !== null) extra.push(guard);
    const lower: LowerBound = after === null ? { type: 'start' } : { type: 'after', values: after };
    const query = scanQuery({ table: plan.table, dialect: context.dialect, order: plan.keys, lower, upper: hi, limit: pageRows, extra });
    return fetchRows({ ...context, plan }, query, aliases);
  }

  #emit(record: SourceRecord, texts: readonly (string | null)[]): void {
    if (this.#pending.length === 0) this.#pendingSince = this.#context().now();
    this.#pending.push(record);
    this.#pendingBytes += texts.reduce((sum, text) => sum + (text?.length ?? 0), 64);
    this.#emitted = true;
  }

  #shouldFlush(): boolean {
    return (
      this.#pending.length >= this.#options.pageRows * FLUSH_PAGES ||
      this.#pendingBytes >= FLUSH_BYTES ||
      (this.#pending.length > 0 && this.#context().now() - this.#pendingSince >= FLUSH_AFTER_MS)
    );
  }

  #step(done: boolean): RoundStep {
    const records = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    return { records, done };
  }
}

/**
 * Consecutive unchanged rows of the old manifest, appended to the new one as one reference to the
 * old text instead of a row each: a changed row in a leaf costs one row in the next checkpoint's
 * new parts, not its whole leaf.
 */
class OldRun {
  readonly #w: SnapshotState;
  #from = 0;
  #count = 0;

  constructor(w: SnapshotState) {
    this.#w = w;
  }

  add(index: number): void {
    if (this.#count > 0 && this.#from + this.#count === index) {
      this.#count += 1;
      return;
    }
    this.flush();
    this.#from = index;
    this.#count = 1;
  }

  flush(): void {
    if (this.#count === 0) return;
    this.#w.next.copyFrom(this.#w.old, this.#from, this.#count);
    this.#w.nextLength += this.#count;
    this.#count = 0;
  }
}
