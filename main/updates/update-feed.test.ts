import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { updateFeed, updateUrlFile, type UpdateFeed } from './update-feed.ts';

const problem = (f: UpdateFeed) => (f.type === 'problem' ? f.message : `no problem: ${f.type}`);

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'tya-update-feed-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the tray app update feed', () => {
  it('is the built-in one unless the installer left a site mirror', () => {
    expect(updateFeed(null)).toEqual({ type: 'built-in' });
    expect(updateFeed(path.join(dir, 'update-url'))).toEqual({ type: 'built-in' });
    writeFileSync(path.join(dir, 'update-url'), 'https://updates.example.internal/tray/win/x64\r\n');
    expect(updateFeed(path.join(dir, 'update-url'))).toEqual({ type: 'site', url: 'https://updates.example.internal/tray/win/x64' });
  });

  it('turns updates off, saying why, for a mirror that is not an https URL', () => {
    const file = path.join(dir, 'update-url');
    writeFileSync(file, 'http://updates.example.internal/');
    expect(problem(updateFeed(file))).toMatch(/must use https:\/\/.*Updates are off/);
    writeFileSync(file, 'updates.example.internal');
    expect(problem(updateFeed(file))).toMatch(/not a URL/);
  });

  it('reads the mirror from ProgramData on Windows only', () => {
    expect(updateUrlFile({ ProgramData: 'C:\\ProgramData' }, 'win32')).toBe('C:\\ProgramData\\TYA Sync Agent\\update-url');
    expect(updateUrlFile({ ProgramData: 'C:\\ProgramData' }, 'linux')).toBeNull();
  });
});
