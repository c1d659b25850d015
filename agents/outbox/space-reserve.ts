import { statfsSync } from 'node:fs';
import path from 'node:path';
import type { SqliteDatabase } from './open-database.ts';

/**
 * Space only delivery may use. Delivering needs a few pages of its own (forming a batch updates
 * rows and indexes before anything is deleted), so if capture were allowed to fill the last free
 * page, a full disk would never drain: delivery could not form the batch that frees space, and
 * capture would refill whatever delivery freed. Capture therefore stops while less than this is free.
 */
export const DELIVERY_RESERVE_PAGES = 16;
export const DELIVERY_RESERVE_DISK_BYTES = 64 * 1024 * 1024;
/** Records, their indexes and the journal take more than the payload: a safe multiple. */
const WRITE_AMPLIFICATION = 3;
/** SQLite's default max_page_count is about 2^32; anything below this was set on purpose. */
const UNLIMITED_PAGES = 2 ** 31;

export interface SpaceShortage {
  kind: 'pages' | 'disk';
  freeBytes: number;
}

/**
 * The page size and the page cap are fixed once the outbox is open (open-database.ts sets the cap),
 * so they are read once per connection: `db.pragma` compiles its statement on every call, and this
 * runs in every enqueue.
 */
const fixedSettings = new WeakMap<SqliteDatabase, { pageSize: number; maxPages: number }>();

function settingsOf(db: SqliteDatabase): { pageSize: number; maxPages: number } {
  let settings = fixedSettings.get(db);
  if (settings === undefined) {
    settings = {
      pageSize: db.pragma('page_size', { simple: true }) as number,
      maxPages: db.pragma('max_page_count', { simple: true }) as number,
    };
    fixedSettings.set(db, settings);
  }
  return settings;
}

/** Whether writing `bytes` more would eat into delivery's reserve; null when there is room. */
export function spaceShortage(db: SqliteDatabase, bytes: number): SpaceShortage | null {
  const needed = bytes * WRITE_AMPLIFICATION;
  const { pageSize, maxPages } = settingsOf(db);
  if (maxPages < UNLIMITED_PAGES) {
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const freelist = db.pragma('freelist_count', { simple: true }) as number;
    const freeBytes = (maxPages - pageCount + freelist) * pageSize;
    if (freeBytes - needed < DELIVERY_RESERVE_PAGES * pageSize) return { kind: 'pages', freeBytes };
  }
  if (db.memory) return null;
  const fs = statfsSync(path.dirname(db.name));
  const diskFree = fs.bavail * fs.bsize;
  if (diskFree - needed < DELIVERY_RESERVE_DISK_BYTES) return { kind: 'disk', freeBytes: diskFree };
  return null;
}
