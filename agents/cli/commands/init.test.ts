/**
 * `tya-agent init`: the file it writes loads as the agent loads it, every commented example is valid
 * once uncommented, quotes in a name cannot break the JSON, a wrong URL is refused before anything
 * is written, and an existing file is kept.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../engine/load-config.ts';
import type { CliIo } from '../cli-io.ts';
import { initCommand, starterConfig } from './init.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tya-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const io = (): CliIo & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), interactive: false };
};

/** Removes the `// ` of every commented line that is JSON, not words. */
const uncommented = (text: string) => text.replace(/^(\s*)\/\/ ?(?=\s*[{}"\]])/gm, '$1');

describe('tya-agent init', () => {
  it('writes a config the agent loads, with the cloud set and nothing else to send yet', () => {
    const file = path.join(dir, 'agent.json');
    const out = io();
    expect(initCommand({ output: file, url: 'https://api.example.com', entity: 'store-7', name: 'Store "7" \\ back' }, out)).toBe(0);
    const loaded = parseConfigText(readFileSync(file, 'utf8'), file);
    expect(loaded.config.agent.name).toBe('Store "7" \\ back');
    expect(loaded.config.cloud).toMatchObject({ url: 'https://api.example.com', entity: 'store-7' });
    expect(loaded.config.sources).toEqual([]);
    expect(loaded.config.notify).toBeUndefined();
    expect(loaded.dataDir).toBe(path.join(dir, 'data'));
    expect(out.lines[0]).toBe(`Wrote ${file}. Next:`);
    expect(out.lines.join('\n')).toMatch(/tya-agent enroll --url https:\/\/api\.example\.com --key - --config /);
  });

  it('has examples that are valid once uncommented: an ODBC source, a watched folder, a webhook and e-mail', () => {
    const text = uncommented(starterConfig({ name: 'x', url: 'https://api.example.com', entity: 'store-7', dataDir: 'data' }));
    const { config } = parseConfigText(text, 'starter.json');
    expect(config.sources.map((s) => `${s.type}:${s.name}`)).toEqual(['odbc:pos-db', 'folder:bank']);
    expect(Object.keys(config.notify ?? {}).filter((k) => k !== 'repeatAfterMins')).toEqual(['webhook', 'email']);
  });

  it('refuses a URL the agent would refuse, before writing, and keeps an existing file unless --force', () => {
    const file = path.join(dir, 'agent.json');
    expect(() => initCommand({ output: file, url: 'http://api.example.com', entity: 'store-7' }, io())).toThrow(/cloud\.url: must be https/);
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, '{"mine": true}');
    expect(() => initCommand({ output: file, url: 'https://api.example.com', entity: 'store-7' }, io())).toThrow(/exists already; nothing was written/);
    expect(readFileSync(file, 'utf8')).toBe('{"mine": true}');
    expect(initCommand({ output: file, url: 'https://api.example.com', entity: 'store-7', force: true }, io())).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('"entity": "store-7"');
  });
});
