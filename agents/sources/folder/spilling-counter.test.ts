import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashCounter } from '../../formats/hash-counter.ts';
import { newOccurrenceCounter } from '../../formats/occurrence-counter.ts';
import { CappedCounter, SpillingCounter, withCounters } from './spilling-counter.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function scratch(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'spill-test-'));
  roots.push(root);
  return root;
}

describe('SpillingCounter', () => {
  it('counts exactly as the in-memory counter does, before and after it moves to disk', () => {
    const root = scratch();
    const spilling = new SpillingCounter(root, 1000);
    const memory = new HashCounter();
    // Repeats both of keys first seen before the move and of keys first seen after it.
    const keys = Array.from({ length: 6000 }, (_, i) => `K${i % 2500}:${i % 7 === 0 ? 'x' : ''}`);
    const digests = keys.map((k) => createHash('sha256').update(k).digest('hex'));
    const got = keys.map((k, i) => [spilling.incrementText(k), spilling.incrementHex(digests[i] ?? '')]);
    const want = keys.map((k, i) => [memory.incrementText(k), memory.incrementHex(digests[i] ?? '')]);
    expect(spilling.spilled).toBe(true);
    expect(got).toEqual(want);
    expect(got.some(([a]) => (a ?? 0) >= 2)).toBe(true);
    expect(readdirSync(root)).toHaveLength(1);
    spilling.close();
    expect(readdirSync(root)).toEqual([]);
  });

  it('stays in memory, with no scratch file, below its limit', () => {
    const root = scratch();
    const counter = new SpillingCounter(root, 1000);
    for (let i = 0; i < 999; i += 1) expect(counter.incrementText(`k${i}`)).toBe(0);
    expect(counter.spilled).toBe(false);
    expect(readdirSync(root)).toEqual([]);
    counter.close();
    expect(() => counter.incrementText('k1')).toThrow(/after close/);
  });

  it('CappedCounter: exact for the keys it holds, then new keys count as unseen and are not remembered', () => {
    const counter = new CappedCounter(3);
    expect(['a', 'b', 'a', 'c'].map((k) => counter.incrementText(k))).toEqual([0, 0, 1, 0]);
    // Full: held keys still count exactly, a new one is never seen twice.
    expect(['a', 'd', 'd', 'c'].map((k) => counter.incrementText(k))).toEqual([2, 0, 0, 1]);
  });

  it('withCounters: the parsers of this thread get that kind inside, memory outside, and scratch files go', async () => {
    const root = scratch();
    const inside = await withCounters('exact', () => Promise.resolve(newOccurrenceCounter()), root);
    expect(inside).toBeInstanceOf(SpillingCounter);
    expect(() => inside.incrementText('x')).toThrow(/after close/);
    expect(await withCounters('check', () => Promise.resolve(newOccurrenceCounter()))).toBeInstanceOf(CappedCounter);
    expect(newOccurrenceCounter()).toBeInstanceOf(HashCounter);
    await expect(withCounters('exact', () => Promise.reject(new Error('boom')), root)).rejects.toThrow('boom');
    expect(newOccurrenceCounter()).toBeInstanceOf(HashCounter);
    expect(readdirSync(root)).toEqual([]);
  });
});
