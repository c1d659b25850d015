/**
 * What gets packaged is the compiled dist/, not the TypeScript: the package's `bin` must point at a
 * CLI that runs from dist/ (imports rewritten, package.json found, the sandbox and demo scripts beside it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent-process.ts';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
const bin = path.join(REPO_ROOT, pkg.bin['tya-agent']!);

beforeAll(() => {
  // scripts/test.sh builds before the tests; a lone vitest run builds here.
  if (!existsSync(bin)) execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
}, 120_000);

describe('the built package', () => {
  it('has a bin that runs from dist/', () => {
    expect(pkg.bin['tya-agent']).toBe('dist/agents/cli/main.js');
    const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('reads a config and the queue on disk from dist/', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-dist-'));
    try {
      const config = path.join(dir, 'agent.json');
      writeFileSync(config, JSON.stringify({ agent: { name: 'dist', dataDir: 'data' }, cloud: { url: 'http://127.0.0.1:9', entity: 'e' } }));
      // `sync` opens the outbox, finds it not enrolled and says so: exit 6.
      const sync = spawnSync(process.execPath, [bin, 'sync', '--config', config, '--timeout-secs', '5'], { encoding: 'utf8', timeout: 60_000 });
      expect(sync.stderr).toMatch(/not enrolled/);
      expect(sync.status).toBe(6);
      const status = spawnSync(process.execPath, [bin, 'status', '--config', config], { encoding: 'utf8' });
      expect(status.stdout).toMatch(/NOT RUNNING/);
      expect(status.status).toBe(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships the sandbox and the demo till beside the CLI', () => {
    expect(existsSync(path.join(REPO_ROOT, 'dist/sandbox/main.js'))).toBe(true);
    expect(existsSync(path.join(REPO_ROOT, 'dist/agents/cli/demo/till-main.js'))).toBe(true);
  });
});
