/**
 * A sandboxed preload cannot be an ES module: the build must produce ONE CommonJS file with no
 * `import` left in it, which, run with Electron's require, exposes exactly the contract's methods.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CONTRACT, LIVE_EVENT_CHANNEL } from './contract.ts';

const root = path.resolve(import.meta.dirname, '..');
let out: string;
let code: string;

beforeAll(() => {
  out = mkdtempSync(path.join(os.tmpdir(), 'tya-preload-'));
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'vite.preload.config.ts', '--logLevel', 'error'], {
    cwd: root,
    env: { ...process.env, TYA_PRELOAD_OUT: out },
  });
  code = readFileSync(path.join(out, 'index.cjs'), 'utf8');
}, 60_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the built preload', () => {
  it('is one CommonJS file without import statements or dynamic imports', () => {
    expect(readdirSync(out)).toEqual(['index.cjs']);
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\bimport\s*\(/);
    expect(code).not.toMatch(/^\s*export\s/m);
    expect(code).toMatch(/require\(["']electron["']\)/);
  });

  it('exposes exactly the contract methods through contextBridge, each on its own channel', async () => {
    const exposed: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
    const invoked: unknown[][] = [];
    const listeners: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, (...args: unknown[]) => unknown>) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          return Promise.resolve({ ok: true, value: null });
        },
        on: (channel: string) => listeners.push(channel),
        off: () => undefined,
      },
    };
    const module = { exports: {} };
    runInNewContext(code, {
      require: (name: string) => {
        if (name === 'electron') return electron;
        throw new Error(`the preload required ${name}: only electron may be required`);
      },
      module,
      exports: module.exports,
      console,
    });
    const api = exposed.tya!;
    expect(Object.keys(api).sort()).toEqual([...Object.keys(IPC_CONTRACT), 'subscribe'].sort());
    await api.retryDeadLetters!([1, 2]);
    await api.syncNow!();
    expect(invoked).toEqual([
      [IPC_CONTRACT.retryDeadLetters.channel, [1, 2]],
      [IPC_CONTRACT.syncNow.channel],
    ]);
    const stop = api.subscribe!(() => undefined) as () => void;
    expect(listeners).toEqual([LIVE_EVENT_CHANNEL]);
    stop();
  });
});
