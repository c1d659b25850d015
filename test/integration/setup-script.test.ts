/**
 * `. scripts/setup.sh` in a person's shell: it leaves that shell's options, functions and variables
 * as they were, adding only the project's environment (a newcomer who sourced it used to keep
 * `set -euo pipefail`, and the next failing command closed the terminal). The real script runs in a
 * copy of the repository's layout whose installers are stand-ins (dpkg-query, apt-get, npm, a Node
 * 24 that answers --version), so the test installs nothing and runs anywhere.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent-process.ts';

/** What sourcing may add to or change in the caller's environment, and nothing else. */
const INTENDED = [
  'PATH',
  'npm_config_nodedir',
  'CXXFLAGS',
  'ELECTRON_SKIP_BINARY_DOWNLOAD',
  'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD',
  'npm_config_update_notifier',
  'npm_config_fund',
  'npm_config_audit',
];

let dir: string;
let root: string;
let stubs: string;

function stub(file: string, body: string): void {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** The repository's layout as setup.sh expects it once everything is installed. */
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-setup-'));
  root = path.join(dir, 'repo');
  stubs = path.join(dir, 'stubs');
  for (const d of [path.join(root, 'scripts'), path.join(root, '.tools/node/bin'), path.join(root, 'node_modules'), stubs]) mkdirSync(d, { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'scripts/setup.sh'), path.join(root, 'scripts/setup.sh'));
  writeFileSync(path.join(root, 'package.json'), '{}');
  writeFileSync(path.join(root, 'package-lock.json'), '{}');
  const stamp = path.join(root, 'node_modules/.tya-installed');
  writeFileSync(stamp, '');
  const later = new Date(Date.now() + 60_000);
  utimesSync(stamp, later, later);
  stub(path.join(root, '.tools/node/bin/node'), 'case "$1" in --version) echo v24.0.0 ;; esac\nexit 0');
  stub(path.join(stubs, 'npm'), 'echo "npm stand-in: must not install" >&2; exit 99');
  stub(path.join(stubs, 'dpkg-query'), 'printf "install ok installed"');
  stub(path.join(stubs, 'apt-get'), 'echo "apt-get stand-in: must not install" >&2; exit 100');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ShellRun {
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * Records the shell's options, functions, variables and environment, sources setup.sh (as a person
 * does, without errexit), records them again, and prints both with markers.
 */
function sourceInShell(extraPath: string[] = [], times = 1): ShellRun {
  const snapshot = (label: string) =>
    `echo "==${label} options"; set +o; echo "==${label} functions"; declare -F; ` +
    `echo "==${label} variables"; compgen -v | grep -v '^_$' | grep -v '^BASH_' | grep -v '^PIPESTATUS$'; ` +
    `echo "==${label} environment"; env | grep -v '^_=' | sort; echo "==${label} end"`;
  const source = Array.from({ length: times }, () => `. "${root}/scripts/setup.sh"; echo "==status $?"`).join('; ');
  const script = `${snapshot('before')}; ${source}; echo "==still here"; ${snapshot('after')}`;
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    env: { PATH: [...extraPath, stubs, '/usr/bin', '/bin'].join(':'), HOME: dir, LANG: 'C' },
    encoding: 'utf8',
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

function section(out: string, label: string, part: string): string[] {
  const start = out.indexOf(`==${label} ${part}\n`);
  const end = out.indexOf('\n==', start + 1);
  expect(start, `no ${label} ${part} in:\n${out}`).toBeGreaterThanOrEqual(0);
  return out.slice(start, end).split('\n').slice(1).filter((l) => l !== '');
}

function environment(out: string, label: string): Map<string, string> {
  return new Map(section(out, label, 'environment').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('. scripts/setup.sh', () => {
  it('leaves the shell options, functions and variables as they were, adding only the project environment', () => {
    const run = sourceInShell();
    expect(run.stdout, run.stderr).toContain('==status 0');
    expect(run.stdout).toContain('==still here');
    expect(section(run.stdout, 'after', 'options')).toEqual(section(run.stdout, 'before', 'options'));
    expect(section(run.stdout, 'after', 'options')).toContain('set +o errexit');
    expect(section(run.stdout, 'after', 'options')).toContain('set +o nounset');
    expect(section(run.stdout, 'after', 'options')).toContain('set +o pipefail');
    expect(section(run.stdout, 'after', 'functions')).toEqual(section(run.stdout, 'before', 'functions'));
    const before = new Set(section(run.stdout, 'before', 'variables'));
    const added = section(run.stdout, 'after', 'variables').filter((name) => !before.has(name));
    expect(added.filter((name) => !INTENDED.includes(name))).toEqual([]);

    const envBefore = environment(run.stdout, 'before');
    const envAfter = environment(run.stdout, 'after');
    const changed = [...envAfter.keys()].filter((k) => envBefore.get(k) !== envAfter.get(k));
    expect(changed.sort()).toEqual([...INTENDED].sort());
    expect(envAfter.get('PATH')?.split(':')[0]).toBe(path.join(root, '.tools/bin'));
    expect(envAfter.get('npm_config_nodedir')).toBe(path.join(root, '.tools/node'));
    expect(readlinkSync(path.join(root, '.tools/bin/node'))).toBe(path.join(root, '.tools/node/bin/node'));
    expect(readlinkSync(path.join(root, '.tools/bin/npm'))).toBe(path.join(stubs, 'npm'));
    expect(run.stderr).toContain('[setup] ready: v24.0.0');
  });

  it('sourced twice, puts .tools/bin on PATH once and still links the machine npm, not itself', () => {
    const run = sourceInShell([], 2);
    expect(run.stdout.match(/==status 0/g), run.stderr).toHaveLength(2);
    const entries = environment(run.stdout, 'after').get('PATH')?.split(':') ?? [];
    expect(entries.filter((p) => p === path.join(root, '.tools/bin'))).toHaveLength(1);
    expect(readlinkSync(path.join(root, '.tools/bin/npm'))).toBe(path.join(stubs, 'npm'));
  });

  it('when an install fails, returns its status without closing the shell and changes nothing in it', () => {
    // A machine that lacks the Debian packages and cannot install them.
    const failing = path.join(dir, 'failing');
    mkdirSync(failing, { recursive: true });
    stub(path.join(failing, 'dpkg-query'), 'exit 1');
    const run = sourceInShell([failing]);
    expect(run.stdout).toMatch(/==status 100/);
    expect(run.stdout).toContain('==still here');
    expect(run.stderr).toContain('apt-get stand-in');
    expect(run.stderr).toContain('[setup] setup did not finish (exit 100)');
    expect(section(run.stdout, 'after', 'options')).toEqual(section(run.stdout, 'before', 'options'));
    expect(environment(run.stdout, 'after').get('PATH')).toBe(environment(run.stdout, 'before').get('PATH'));
  });

  it('run rather than sourced, exits with the installers status', () => {
    const ok = spawnSync('bash', [path.join(root, 'scripts/setup.sh')], { env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: dir }, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(() => execFileSync('bash', ['-n', path.join(REPO_ROOT, 'scripts/setup.sh')])).not.toThrow();
  });
});
