import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exposedDataPaths, makeDataDirPrivate } from './private-files.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(process.platform === 'win32')('private data folder', () => {
  it('finds what group or others can read, write or enter, fixes exactly that, and leaves symlinks alone', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tya-exposed-'));
    dirs.push(root);
    chmodSync(root, 0o700);
    mkdirSync(path.join(root, 'logs'));
    chmodSync(path.join(root, 'logs'), 0o750);
    writeFileSync(path.join(root, 'outbox.db'), '');
    chmodSync(path.join(root, 'outbox.db'), 0o604);
    writeFileSync(path.join(root, 'private.txt'), '');
    chmodSync(path.join(root, 'private.txt'), 0o600);
    const outside = path.join(os.tmpdir(), `tya-outside-${process.pid}`);
    writeFileSync(outside, '');
    chmodSync(outside, 0o644);
    symlinkSync(outside, path.join(root, 'link'));
    try {
      expect(
        exposedDataPaths(root)
          .map((e) => [path.relative(root, e.path), e.mode.toString(8)])
          .sort(),
      ).toEqual([
        ['logs', '750'],
        ['outbox.db', '604'],
      ]);
      expect(makeDataDirPrivate(root)).toHaveLength(2);
      expect((statSync(path.join(root, 'logs')).mode & 0o777).toString(8)).toBe('700');
      expect((statSync(path.join(root, 'outbox.db')).mode & 0o777).toString(8)).toBe('600');
      expect((statSync(outside).mode & 0o777).toString(8)).toBe('644');
      expect(exposedDataPaths(root)).toEqual([]);
    } finally {
      rmSync(outside, { force: true });
    }
  });

  it('lets the folder itself be searchable by others (0711, for the role sockets) but not readable; 0755 is made 0700', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tya-exposed-'));
    dirs.push(root);
    chmodSync(root, 0o711);
    expect(exposedDataPaths(root)).toEqual([]);
    chmodSync(root, 0o755);
    expect(exposedDataPaths(root).map((e) => e.mode.toString(8))).toEqual(['755']);
    makeDataDirPrivate(root);
    expect((statSync(root).mode & 0o777).toString(8)).toBe('700');
  });
});
