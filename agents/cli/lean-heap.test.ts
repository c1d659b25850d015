import { describe, expect, it } from 'vitest';
import { leanMallocEnv } from './lean-heap.ts';

describe('leanMallocEnv', () => {
  it('asks Linux for two arenas and an early trim, and keeps what an admin set', () => {
    expect(leanMallocEnv({ PATH: '/bin' }, 'linux')).toEqual({
      PATH: '/bin',
      MALLOC_ARENA_MAX: '2',
      MALLOC_TRIM_THRESHOLD_: '131072',
    });
    expect(leanMallocEnv({ MALLOC_TRIM_THRESHOLD_: '1' }, 'linux')?.MALLOC_TRIM_THRESHOLD_).toBe('1');
    expect(leanMallocEnv({ MALLOC_ARENA_MAX: '8' }, 'linux')).toBeNull();
    expect(leanMallocEnv({}, 'win32')).toBeNull();
  });
});
