import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from './load-config.ts';
import { stripJsonComments } from './jsonc.ts';

const minimal = {
  agent: { name: 'Store 7 back office', dataDir: './data' },
  cloud: { url: 'http://127.0.0.1:8787', entity: 'store-7' },
};

describe('config loading', () => {
  it('accepts JSON with comments and trailing commas, keeping // inside strings', () => {
    const text = `{
      // who we are
      "agent": { "name": "a // not a comment", "dataDir": "d", }, /* block
      comment */
      "cloud": { "url": "https://api.example.com", "entity": "store-7" },
    }`;
    expect(JSON.parse(stripJsonComments(text))).toEqual({
      agent: { name: 'a // not a comment', dataDir: 'd' },
      cloud: { url: 'https://api.example.com', entity: 'store-7' },
    });
  });

  it('fills defaults and resolves the data dir against the config file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-config-'));
    const file = path.join(dir, 'agent.json');
    writeFileSync(file, JSON.stringify(minimal));
    const loaded = loadConfigFile(file);
    expect(loaded.dataDir).toBe(path.join(dir, 'data'));
    expect(loaded.config.outbox.synchronous).toBe('FULL');
    expect(loaded.config.cloud.heartbeatIntervalSecs).toBe(30);
  });

  it('names the field and what was expected', () => {
    const bad = {
      ...minimal,
      sources: [
        {
          type: 'odbc',
          name: 'pos',
          dialect: 'postgresql',
          connectionString: 'Driver={PostgreSQL Unicode};Server=x;PWD=hunter2',
          streams: [{ name: 'receipts', table: 'receipts', keyColumns: ['id'], cursorColumn: 'updated_at' }],
        },
      ],
    };
    expect(() => parseConfigText(JSON.stringify(bad), '/etc/tya/agent.json')).toThrow(
      /sources\[0\]\.connectionString: must not contain a password/,
    );
  });

  it('refuses plain http to a non-loopback cloud', () => {
    const bad = { ...minimal, cloud: { url: 'http://api.example.com', entity: 'store-7' } };
    expect(() => parseConfigText(JSON.stringify(bad), 'x.json')).toThrow(/cloud\.url: must be https/);
  });

  it('names a malformed cloud address as a field error, not a crash', () => {
    const bad = { ...minimal, cloud: { url: 'not a web address', entity: 'store-7' } };
    expect(() => parseConfigText(JSON.stringify(bad), 'x.json')).toThrow(
      /x\.json is not a valid agent configuration:\n {2}cloud\.url: Invalid URL/,
    );
  });

  it('points at the line of a syntax error', () => {
    expect(() => parseConfigText('{\n "agent": {\n  "name": "x" "y"\n }\n}', 'x.json')).toThrow(/x\.json at line 3/);
  });
});
