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
