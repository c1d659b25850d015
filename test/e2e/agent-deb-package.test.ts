/**
 * The headless agent's Debian package, built for real (`npm run deb:agent`), then checked the way a
 * Debian maintainer would: dpkg-deb's view of its metadata and files, lintian with no `E:` tag and
 * every override explained, and an install into a throwaway root whose `tya-agent` runs on the
 * bundled Node and loads the native modules.
 *
 * SLOW BUT RUN: building a package with a 100 MiB runtime inside and running lintian over it takes
 * one to three minutes on a busy machine (the build uses gzip -1; the release build uses xz).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINTIAN_OVERRIDES } from '../../scripts/packaging/deb-metadata.ts';
import { buildAgentDeb, type DebBuildResult } from '../../scripts/packaging/deb-agent.ts';
import { REPO_ROOT } from '../helpers/agent-process.ts';

const TOOLS = ['dpkg-deb', 'lintian', 'dpkg', 'dpkg-shlibdeps', 'strip'];
const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (missing.length > 0) process.stdout.write(`agent-deb-package skipped: ${missing.join(', ')} not installed (apt-get install dpkg-dev lintian binutils).\n`);

const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let work: string;
let built: DebBuildResult;
let contents: string[];

describe.skipIf(missing.length > 0)('the agent Debian package', () => {
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'tya-deb-test-'));
    built = buildAgentDeb({
      root: REPO_ROOT,
      outDir: work,
      nodeBinary: path.join(REPO_ROOT, '.tools/node/bin/node'),
      build: true,
      now: new Date('2026-12-01T12:00:00Z'),
      fast: true,
    });
    contents = execFileSync('dpkg-deb', ['--contents', built.file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim().split('\n');
  }, 600_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('is named and described as Debian expects', () => {
    expect(path.basename(built.file)).toBe(`tya-agent_${version}_amd64.deb`);
    const info = execFileSync('dpkg-deb', ['--info', built.file], { encoding: 'utf8' });
    expect(info).toMatch(/^ Package: tya-agent$/m);
    expect(info).toMatch(new RegExp(`^ Version: ${version.replace(/\./g, '\\.')}$`, 'm'));
    const depends = /^ Depends: (.*)$/m.exec(info)?.[1] ?? '';
    for (const dependency of ['libc6', 'unixodbc', 'libsecret-1-0', 'libodbc2']) expect(depends).toContain(dependency);
    // Each dependency once (dpkg-shlibdeps finds libsecret too).
    const names = depends.split(',').map((d) => d.trim().split(/[\s(]/)[0]);
    expect(new Set(names).size).toBe(names.length);
    expect(info).toMatch(/ md5sums /);
    // No maintainer scripts: the package creates no user and starts nothing (service install does).
    expect(info).not.toMatch(/ (preinst|postinst|prerm|postrm) /);
  });

  it('holds the agent, its runtime and launcher with the right modes, and no test, sandbox or secret files', () => {
    const entry = (file: string) => contents.find((line) => line.endsWith(` ./${file}`));
    expect(entry('usr/bin/tya-agent')).toMatch(/^-rwxr-xr-x root\/root/);
    expect(entry('usr/lib/tya-agent/node')).toMatch(/^-rwxr-xr-x root\/root/);
    expect(entry('usr/lib/tya-agent/dist/agents/cli/main.js')).toMatch(/^-rw-r--r-- root\/root/);
    expect(entry('usr/lib/tya-agent/package.json')).toBeDefined();
    for (const native of ['better-sqlite3/prebuilds/linux-x64.node', 'keytar/build/Release/keytar.node', 'odbc/lib/bindings/napi-v8/odbc.node']) {
      expect(entry(`usr/lib/tya-agent/node_modules/${native}`), native).toMatch(/^-rw-r--r-- root\/root/);
    }
    expect(entry('usr/share/doc/tya-agent/copyright')).toBeDefined();
    expect(entry('usr/share/doc/tya-agent/changelog.gz')).toBeDefined();
    expect(entry('usr/share/man/man1/tya-agent.1.gz')).toBeDefined();
    expect(entry('usr/share/lintian/overrides/tya-agent')).toBeDefined();

    const files = contents.map((line) => line.slice(line.indexOf(' ./') + 3));
    const forbidden = files.filter((f) =>
      /(^|\/)(sandbox|test|tests|__tests__|scenarios)\/|\.test\.js$|-test-kit\.js$|\.map$|(^|\/)\.env$|\.(pem|key|p12|pfx)$|(^|\/)(agent\.json|outbox\.db)$|\/etc\//.test(f),
    );
    expect(forbidden).toEqual([]);
    // The tray app's packages stay out of the headless agent's.
    expect(files.filter((f) => /node_modules\/(electron|electron-updater|react|react-dom|vite|vitest|typescript)\//.test(f))).toEqual([]);
    // No unit file: `tya-agent service install` writes the site's own.
    expect(files.filter((f) => /(^|\/)systemd\/|\.service$/.test(f))).toEqual([]);
  });

  it('passes lintian with no error, and every override carries its reason', () => {
    const lint = spawnSync('lintian', ['--tag-display-limit', '0', '--info', built.file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    const tags = lint.stdout.split('\n').filter((line) => /^[EWIXP]: /.test(line));
    process.stdout.write(`lintian: ${tags.length} tags (${['E', 'W', 'I'].map((k) => `${tags.filter((t) => t.startsWith(`${k}:`)).length} ${k}`).join(', ')}), package ${(built.bytes / 1024 / 1024).toFixed(1)} MiB (gzip -1)\n`);
    expect(tags.filter((t) => t.startsWith('E:'))).toEqual([]);
    // An override that matches nothing hides nothing and should go.
    expect(tags.filter((t) => /unused-override|mismatched-override/.test(t))).toEqual([]);

    const overrides = execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile '${built.file}' | tar -xO ./usr/share/lintian/overrides/tya-agent`], { encoding: 'utf8' });
    const lines = overrides.trim().split('\n');
    lines.forEach((line, index) => {
      if (!line.startsWith('#')) expect(lines[index - 1] ?? '', `override "${line}" has no reason above it`).toMatch(/^# \S.{20,}/);
    });
    expect(lines.filter((l) => !l.startsWith('#'))).toEqual(LINTIAN_OVERRIDES.map((o) => `tya-agent: ${o.tag}`));
  }, 600_000);

  it('installs into a throwaway root, where tya-agent runs on the bundled Node and loads its native modules', () => {
    const instdir = path.join(work, 'root');
    const admindir = path.join(work, 'dpkg');
    mkdirSync(path.join(admindir, 'updates'), { recursive: true });
    mkdirSync(path.join(admindir, 'info'), { recursive: true });
    writeFileSync(path.join(admindir, 'status'), '');
    mkdirSync(instdir);
    // --force-depends: the throwaway database knows none of the host's packages; --force-not-root not needed as root.
    const install = spawnSync(
      'dpkg',
      [`--instdir=${instdir}`, `--admindir=${admindir}`, '--force-depends', '--force-script-chrootless', '--no-triggers', '--install', built.file],
      { encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);
    expect(readFileSync(path.join(admindir, 'status'), 'utf8')).toMatch(/^Package: tya-agent\nStatus: install ok installed$/m);

    const bin = path.join(instdir, 'usr/bin/tya-agent');
    // A PATH without any other node: the launcher must not depend on one.
    const env = { PATH: '/usr/bin:/bin', HOME: work, LANG: 'C.UTF-8' };
    const versionRun = spawnSync(bin, ['--version'], { encoding: 'utf8', env });
    expect(versionRun.stderr).toBe('');
    expect(versionRun.stdout.trim()).toBe(version);
    const help = spawnSync(bin, ['doctor', '--help'], { encoding: 'utf8', env });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/doctor/);

    const lib = path.join(instdir, 'usr/lib/tya-agent');
    const node = path.join(lib, 'node');
    expect(execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', env }).trim()).toMatch(/^24\./);
    // The stripped runtime and the stripped modules still link: each native module loads and works.
    const probe = [
      "const require = (await import('node:module')).createRequire(process.argv[1] + '/');",
      "const Database = require('better-sqlite3'); const db = new Database(':memory:');",
      "const one = db.prepare('select 1 + 1 as n').get().n;",
      "require('keytar'); require('odbc');",
      'console.log(one);',
    ].join('\n');
    const loaded = spawnSync(node, ['--input-type=module', '-e', probe, path.join(lib, 'node_modules')], { encoding: 'utf8', env });
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout.trim()).toBe('2');
  }, 120_000);
});
