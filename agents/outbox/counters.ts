/**
 * Running totals kept in the `meta` table and changed inside the same transactions as the rows they
 * count, so they are exactly as durable as the queue and cost a key lookup to read.
 */
import type { Lane } from '../api/index.ts';
import type { SqliteDatabase } from './open-database.ts';

export type CounterName =
  | 'queued_bytes'
  | 'delivered'
  | 'depth_urgent'
  | 'depth_bulk'
  | 'dead_letters'
  | 'max_bytes'
  | 'seq_last'
  | 'seq_floor';

export function depthCounter(lane: Lane): CounterName {
  return lane === 'urgent' ? 'depth_urgent' : 'depth_bulk';
}

export class Counters {
  readonly #get;
  readonly #add;
  readonly #set;

  constructor(db: SqliteDatabase) {
    this.#get = db.prepare<[CounterName], number>('SELECT value FROM meta WHERE key = ?').pluck();
    this.#add = db.prepare<[number, CounterName]>('UPDATE meta SET value = value + ? WHERE key = ?');
    this.#set = db.prepare<[number, CounterName]>('UPDATE meta SET value = ? WHERE key = ?');
  }

  get(name: CounterName): number {
    return this.#get.get(name) ?? 0;
  }

  add(name: CounterName, delta: number): void {
    if (delta !== 0) this.#add.run(delta, name);
  }

  set(name: CounterName, value: number): void {
    this.#set.run(value, name);
  }
}

/** Per-stream delivered counts: `meta` rows keyed `delivered:["<source>","<stream>"]` (no schema change needed). */
const STREAM_DELIVERED_PREFIX = 'delivered:';

export interface StreamDelivered {
  source: string;
  stream: string;
  /** Records the cloud took from this stream: what it counts as accepted + duplicates + stale. */
  delivered: number;
}

/**
 * Delivered records per stream, counted in the transaction that completes their batch, so the
 * figure is exactly as durable as the queue and survives a stop or a kill -9.
 */
export class StreamCounters {
  readonly #add;
  readonly #list;

  constructor(db: SqliteDatabase) {
    this.#add = db.prepare<[string, number]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value',
    );
    // [prefix, prefix with its last character incremented): exactly the keys that start with it.
    this.#list = db.prepare<[string, string], { key: string; value: number }>(
      'SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key',
    );
  }

  addDelivered(source: string, stream: string, delivered: number): void {
    if (delivered > 0) this.#add.run(`${STREAM_DELIVERED_PREFIX}${JSON.stringify([source, stream])}`, delivered);
  }

  listDelivered(): StreamDelivered[] {
    const upper =
      STREAM_DELIVERED_PREFIX.slice(0, -1) +
      String.fromCharCode(STREAM_DELIVERED_PREFIX.charCodeAt(STREAM_DELIVERED_PREFIX.length - 1) + 1);
    return this.#list.all(STREAM_DELIVERED_PREFIX, upper).map(({ key, value }) => {
      const [source, stream] = JSON.parse(key.slice(STREAM_DELIVERED_PREFIX.length)) as [string, string];
      return { source, stream, delivered: value };
    });
  }
}
