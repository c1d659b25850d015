/**
 * electron-builder.yml cannot be tried here (the Electron binary cannot be downloaded), so it is held
 * to electron-builder's own JSON schema (node_modules/app-builder-lib/scheme.json, the one
 * electron-builder validates with) and to the settings that matter for safety and for running at all:
 * the fuses, the native modules outside the asar, a `files` list that ships the app and nothing else.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent-process.ts';

type Config = Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  publish: { provider: string; url: string };
  nsis: Record<string, unknown>;
  linux: { target: string[]; icon: string };
  win: { icon: string; target: Array<{ target: string }> };
  deb: { depends: string[] };
  rpm: { depends: string[] };
};

const CONFIG_FILE = path.join(REPO_ROOT, 'electron-builder.yml');
let validate: ValidateFunction;
let config: Config;

beforeAll(() => {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
  // Strict, so a keyword the schema uses that ajv does not know fails loudly. The schema's one
  // non-standard keyword is ajv-keywords' `typeof` (for options that take a function in JS configs);
  // union types (`type: [string, number]`) are standard JSON Schema, which strict mode only flags.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'typeof', schemaType: ['string', 'array'], validate: (types: string | string[], data: unknown) => [types].flat().includes(typeof data) });
  validate = ajv.compile(schema);
  config = loadYaml(readFileSync(CONFIG_FILE, 'utf8')) as Config;
});

function errorsOf(candidate: unknown): string[] {
  return validate(candidate) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** A tiny glob for the `files` patterns: `**` any depth, `*` within a segment. */
function matches(pattern: string, file: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '\uE000')
    .replace(/\*\*/g, '\uE001')
    .replace(/\*/g, '[^/]*')
    .replace(/\uE000/g, '(?:.*/)?')
    .replace(/\uE001/g, '.*');
  return new RegExp(`^${regex}$`).test(file);
}

/** Whether electron-builder would pack `file`: the last matching pattern decides, `!` excludes. */
function shipped(files: string[], file: string): boolean {
  let included = false;
  for (const pattern of files) {
    if (pattern.startsWith('!')) {
      if (matches(pattern.slice(1), file)) included = false;
    } else if (matches(pattern, file)) included = true;
  }
  return included;
}

describe('electron-builder.yml', () => {
  it('is valid against electron-builder\'s own schema', () => {
    expect(errorsOf(config)).toEqual([]);
  });

  it('is rejected by the schema when broken, naming the bad field', () => {
    expect(errorsOf({ ...config, electronFuse: { runAsNode: false } }).join('\n')).toMatch(/must NOT have additional properties/);
    expect(errorsOf({ ...config, nsis: { ...config.nsis, oneClick: 'no' } }).join('\n')).toMatch(/\/nsis\/oneClick must be boolean/);
    expect(errorsOf({ ...config, electronFuses: { ...config.electronFuses, runAsNode: 'off' } }).join('\n')).toMatch(/\/electronFuses\/runAsNode must be boolean/);
    const brokenYaml = readFileSync(CONFIG_FILE, 'utf8').replace('perMachine: true', 'perMachine: yes please');
    expect(errorsOf(loadYaml(brokenYaml)).join('\n')).toMatch(/\/nsis\/perMachine must be boolean/);
  });

  it('sets the fuses: no run-as-node, no NODE_OPTIONS or --inspect, asar only and checked, cookies encrypted', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
  });

  it('packs into an asar with the native modules unpacked beside it', () => {
    expect(config.asar).toBe(true);
    for (const native of ['better-sqlite3', 'keytar', 'odbc']) {
      expect(config.asarUnpack, native).toContain(`node_modules/${native}/**`);
      expect(shipped(config.asarUnpack, `node_modules/${native}/package.json`)).toBe(true);
    }
    expect(shipped(config.asarUnpack, 'node_modules/odbc/lib/bindings/napi-v8/odbc.node')).toBe(true);
  });

  it('ships what main needs and none of the test helpers, sandbox, benchmarks or docs', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string; bin: Record<string, string> };
    const needed = [
      pkg.main,
      'package.json',
      'dist/preload/index.cjs',
      'dist/renderer/index.html',
      'dist/renderer/assets/index-abc123.js',
      pkg.bin['tya-agent']!,
      'dist/agents/engine/agent.js',
      ...readdirSync(path.join(REPO_ROOT, 'assets/icons')).filter((f) => f.endsWith('.png')).map((f) => `assets/icons/${f}`),
    ];
    for (const file of needed) expect(shipped(config.files, file), file).toBe(true);
    const excluded = [
      'dist/sandbox/main.js',
      'dist/test/helpers/databases.js',
      'test/helpers/agent-process.ts',
      'bench/run-all.ts',
      'docs/screens/overview.png',
      'docs/packaging.md',
      'sandbox/main.ts',
      'agents/cli/main.ts',
      'dist/agents/cli/main.js.map',
      'dist/main/status-test-kit.js',
      'dist/agents/sources/odbc/scenarios/mode-fixtures.js',
      'dist/agents/sources/odbc/odbc-source-scenarios.js',
      'dist/main/tray/tray-menu.test.js',
      'scripts/packaging/deb-agent.ts',
      'assets/app/icon.svg',
    ];
    for (const file of excluded) expect(shipped(config.files, file), file).toBe(false);
  });

  it('builds NSIS per machine with the silent-install script, and deb, rpm and AppImage', () => {
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: true });
    const include = String(config.nsis.include);
    const script = readFileSync(path.join(REPO_ROOT, include), 'utf8');
    expect(script).toMatch(/\/ENROLLKEYFILE=/);
    expect(script).toMatch(/\/CLOUDURL=/);
    expect(config.linux.target).toEqual(['deb', 'rpm', 'AppImage']);
    expect(config.deb.depends).toEqual(expect.arrayContaining(['unixodbc', 'libsecret-1-0']));
    expect(config.rpm.depends).toEqual(expect.arrayContaining(['unixODBC', 'libsecret']));
  });

  it('points at the icons the targets need', () => {
    expect(existsSync(path.join(REPO_ROOT, config.win.icon))).toBe(true);
    for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) {
      expect(existsSync(path.join(REPO_ROOT, config.linux.icon, `${size}x${size}.png`)), `${size}x${size}.png`).toBe(true);
    }
  });

  it('publishes to a generic feed for electron-updater', () => {
    expect(config.publish.provider).toBe('generic');
    expect(config.publish.url).toMatch(/^https:\/\//);
  });
});
