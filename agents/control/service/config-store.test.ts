import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStore } from './config-store.ts';

let dir: string;
let file: string;
const original = `// the admin's comment\n{"agent": {"name": "office", "dataDir": "data"}, "cloud": {"url": "http://127.0.0.1:9", "entity": "store-1"}}\n`;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tya-config-store-'));
  file = path.join(dir, 'agent.json');
  await writeFile(file, original, { mode: 0o640 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ConfigStore', () => {
  it('validates with the config schema and never writes a bad value', async () => {
    const store = new ConfigStore(file, path.join(dir, 'data'));
    expect(() => store.update((raw) => ({ ...raw, cloud: { ...raw.cloud, url: 'ftp://cloud.example' } }))).toThrow(/cloud\.url/);
    expect(() => store.update((raw) => ({ ...raw, sources: [{ type: 'folder', name: 'Bad Name', path: '/srv' } as never] }))).toThrow(/sources\[0\]\.name/);
    expect(await readFile(file, 'utf8')).toBe(original);
    expect(store.history()).toEqual([]);
  });

  it('writes atomically with the same mode, keeps the previous version, and the result loads', async () => {
    const store = new ConfigStore(file, path.join(dir, 'data'));
    const loaded = store.update((raw) => ({ ...raw, sources: [{ type: 'folder', name: 'bank', path: '/srv/bank' }] }));
    expect(loaded.config.sources[0]).toMatchObject({ name: 'bank', kind: 'auto' });
    expect(store.readRaw().sources).toEqual([{ type: 'folder', name: 'bank', path: '/srv/bank' }]);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    const history = store.history();
    expect(history).toHaveLength(1);
    expect(await readFile(history[0]!.file, 'utf8')).toBe(original);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
