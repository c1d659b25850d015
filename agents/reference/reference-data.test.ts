import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../pipeline/clock.ts';
import { ReferenceData } from './reference-data.ts';
import { ReferenceStore } from './reference-store.ts';

let dir: string;
let file: string;
const clock = systemClock;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-refstore-'));
  file = path.join(dir, 'reference.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ReferenceStore and ReferenceData (offline side)', () => {
  it('keeps values exactly as sent, and records 304s and failures beside the items', () => {
    const store = new ReferenceStore(file);
    store.replace('store-1', 'tax-codes', [{ code: 'DE-19', rate: '19.00' }, { code: 'X', rate: '0.10000000000000000001' }], '"a"', 10);
    store.confirm('store-1', 'tax-codes', 20);
    store.noteFailure('store-1', 'tax-codes', 'cloud unreachable', 30);
    const list = store.get('store-1', 'tax-codes')!;
    expect(list).toMatchObject({ etag: '"a"', fetchedAt: 10, checkedAt: 20, lastError: { message: 'cloud unreachable', at: 30 } });
    expect(list.items[1]!.rate).toBe('0.10000000000000000001');
    store.confirm('store-1', 'tax-codes', 40);
    expect(store.get('store-1', 'tax-codes')!.lastError).toBeUndefined();
    expect(store.get('store-2', 'tax-codes')).toBeUndefined();
    store.close();
  });

  it("lookup's in-memory index follows a list replaced by another process, and misses for absent keys or lists", () => {
    const writer = new ReferenceStore(file);
    const data = new ReferenceData({ store: new ReferenceStore(file), clock });
    expect(data.lookup('store-1', 'accounts', '1000')).toBeUndefined();
    writer.replace('store-1', 'accounts', [{ code: '1000', name: 'Cash' }], '"v1"', 1);
    expect(data.lookup('store-1', 'accounts', '1000')?.name).toBe('Cash');
    writer.replace('store-1', 'accounts', [{ code: '1000', name: 'Cash in hand' }, { code: '1200', name: 'Bank' }], '"v2"', 2);
    expect(data.lookup('store-1', 'accounts', '1000')?.name).toBe('Cash in hand');
    expect(data.lookup('store-1', 'accounts', 'Bank', 'name')?.code).toBe('1200');
    expect(data.lookup('store-1', 'accounts', '9999')).toBeUndefined();
    expect(data.get('store-1', 'accounts')?.checkedAt).toBe(2);
    writer.close();
    data.close();
  });

  it('refuses to refresh without a cloud client (read-only use)', async () => {
    const data = new ReferenceData({ store: new ReferenceStore(file), clock });
    await expect(data.refresh('store-1', 'currencies')).rejects.toThrow(/read-only/);
    data.close();
  });
});
