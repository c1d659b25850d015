import { describe, expect, it } from 'vitest';
import { SNAPSHOT_DEFAULTS } from '../stream-settings.ts';
import { nextChunkRows } from './chunk-size.ts';

const settings = { ...SNAPSHOT_DEFAULTS, chunkTargetMs: 500, minChunkRows: 1_000, maxChunkRows: 200_000 };

describe('chunk size (pt-table-checksum rule)', () => {
  it('moves toward the size that takes chunkTargetMs, at most doubling or halving per query', () => {
    // 10,000 rows took 250 ms: 20,000 would take the target.
    expect(nextChunkRows(10_000, 10_000, 250, settings)).toBe(20_000);
    // 10,000 rows took 50 ms: 100,000 would, but one step only doubles.
    expect(nextChunkRows(10_000, 10_000, 50, settings)).toBe(20_000);
    // 10,000 rows took 800 ms: 6,250 is the target size.
    expect(nextChunkRows(10_000, 10_000, 800, settings)).toBe(6_250);
    // 10,000 rows took 5 s: halve.
    expect(nextChunkRows(10_000, 10_000, 5_000, settings)).toBe(5_000);
  });

  it('stays within the configured bounds, and grows when a query took no measurable time', () => {
    expect(nextChunkRows(150_000, 150_000, 10, settings)).toBe(200_000);
    expect(nextChunkRows(1_500, 1_500, 60_000, settings)).toBe(1_000);
    expect(nextChunkRows(4_000, 4_000, 0, settings)).toBe(8_000);
  });
});
