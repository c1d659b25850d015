/** open-writers.ts against real files and this process's own descriptors in /proc. */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWriters } from './open-writers.ts';

const linux = process.platform === 'linux';
if (!linux) console.log('open-writers.test.ts: /proc is Linux only; elsewhere every answer is "unknown" (skipped).');
let dir: string | undefined;

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe.skipIf(!linux)('openWriters', () => {
  it('sees a file held open for writing, not one open for reading only, and says "unknown" for a missing file', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tya-writers-'));
    const written = path.join(dir, 'written.json');
    const read = path.join(dir, 'read.json');
    writeFileSync(read, '{}');
    const writer = openSync(written, 'w');
    const reader = openSync(read, 'r');
    try {
      const states = await openWriters([written, read, path.join(dir, 'missing.json')]);
      expect(states.get(written)).toBe('open');
      expect(['closed', 'unknown']).toContain(states.get(read));
      expect(states.get(path.join(dir, 'missing.json'))).toBe('unknown');
    } finally {
      closeSync(writer);
      closeSync(reader);
    }
    const after = (await openWriters([written])).get(written);
    if (after === 'unknown') console.log('open-writers.test.ts: other users\' processes are hidden here, so a closed file reads as "unknown".');
    else expect(after).toBe('closed');
  });
});
