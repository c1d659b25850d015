import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LEAN_HEAP_FLAGS, leanMallocEnv } from './lean-heap.ts';

describe('LEAN_HEAP_FLAGS', () => {
  it('are all flags this V8 knows (setFlagsFromString would ignore one it does not)', () => {
    for (const flag of LEAN_HEAP_FLAGS) {
      const run = spawnSync(process.execPath, [flag, '-e', ''], { encoding: 'utf8' });
      expect({ flag, status: run.status, stderr: run.stderr }).toEqual({ flag, status: 0, stderr: '' });
    }
    const unknown = spawnSync(process.execPath, ['--no-such-v8-flag-here', '-e', ''], { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
  });
});

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
