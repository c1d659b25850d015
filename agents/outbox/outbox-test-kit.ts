/** Small helpers shared by the outbox tests: a clock the test moves, temp dirs, and record factories. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, Lane, SourceRecord } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { Outbox } from './outbox.ts';

export class ManualClock implements Clock {
  time: number;

  constructor(start = Date.parse('2026-11-29T15:00:00.000Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.time += ms;
    return Promise.resolve();
  }

  advance(ms: number): void {
    this.time += ms;
  }
}

export interface TempDir {
  dir: string;
  path(name: string): string;
  remove(): void;
}

export function makeTempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'tya-outbox-'));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function makeRecords(
  stream: string,
  from: number,
  count: number,
  options: { capturedAt?: string; data?: (i: number) => JsonObject } = {},
): SourceRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      stream,
      key: { id: String(i) },
      op: 'upsert',
      data: options.data?.(i) ?? { id: String(i), total: `${i}.50`, note: 'ordinary row' },
      capturedAt: options.capturedAt ?? '2026-11-29T14:59:00.000Z',
    };
  });
}

/**
 * NORMAL by default: these tests are about what is stored, not about fsync, and FULL on a busy shared
 * disk makes them slow. The crash test's writer uses FULL, as the agent does.
 */
export function openTestOutbox(
  path: string,
  clock: Clock,
  overrides: {
    maxBytes?: number;
    maxPageCount?: number;
    synchronous?: 'FULL' | 'NORMAL';
    startCheck?: 'full' | 'by-last-stop';
  } = {},
): Outbox {
  return Outbox.open({
    path,
    clock,
    maxBytes: overrides.maxBytes ?? 100_000_000,
    synchronous: overrides.synchronous ?? 'NORMAL',
    maxPageCount: overrides.maxPageCount,
    startCheck: overrides.startCheck,
  });
}

export function enqueueRange(
  outbox: Outbox,
  target: { source?: string; stream: string; lane?: Lane },
  from: number,
  count: number,
): { inserted: number; duplicates: number } {
  return outbox.enqueue({
    source: target.source ?? 'pos',
    stream: target.stream,
    lane: target.lane ?? 'bulk',
    records: makeRecords(target.stream, from, count),
    checkpoint: { next: from + count },
  });
}
