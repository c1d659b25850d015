/**
 * Which agent the process benchmarks start: by default the built package (tsc output, what the
 * installer ships and `tya-agent` runs), compiled into node_modules/.cache/tya-bench-agent-<hash of the checkout's path> (a tool
 * cache: ignored by git, ESLint and Prettier, and node_modules resolve from it) with the project's
 * package.json beside it (ESM, and the agent reads its version there); with `--from-source`,
 * agents/cli/main.ts under Node's type stripping, as the tests run it (stripping costs memory and
 * start-up time of its own, which is not the product's).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AgentProcess } from '../../test/helpers/agent-process.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
// One build per checkout: git worktrees that share one node_modules (a symlink) would otherwise
// rebuild over each other's output, each from its own sources, while the other's agent runs from it.
const BUILD_DIR = path.join(
  REPO_ROOT,
  'node_modules/.cache',
  `tya-bench-agent-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 8)}`,
);
const STAMP = path.join(BUILD_DIR, '.sources-stamp');

export interface AgentEntry {
  kind: 'built' | 'source';
  /** The script node runs. */
  path: string;
}

/** Newest modification time of the sources the build compiles: a build older than this is stale. */
function sourcesStamp(): string {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of ['agents', 'sandbox', 'main', 'preload'])
    if (existsSync(path.join(REPO_ROOT, dir))) visit(path.join(REPO_ROOT, dir));
  return String(newest);
}

export function prepareAgentEntry(options: { fromSource: boolean; log?: (line: string) => void }): AgentEntry {
  if (options.fromSource) return { kind: 'source', path: path.join(REPO_ROOT, 'agents/cli/main.ts') };
  const entry = path.join(BUILD_DIR, 'agents/cli/main.js');
  const stamp = sourcesStamp();
  if (!existsSync(entry) || !existsSync(STAMP) || readFileSync(STAMP, 'utf8') !== stamp) {
    options.log?.(`building the agent (tsc -p tsconfig.build.json) into ${path.relative(REPO_ROOT, BUILD_DIR)}…`);
    execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR],
      {
        cwd: REPO_ROOT,
        stdio: 'inherit',
      },
    );
    copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(BUILD_DIR, 'package.json'));
    writeFileSync(STAMP, stamp);
  }
  return { kind: 'built', path: entry };
}

/** `node <entry> run --config <file>` in the background, like test/helpers/agent-process.ts does for the source. */
export function startAgent(entry: AgentEntry, configFile: string, env: NodeJS.ProcessEnv = {}): AgentProcess {
  const child = spawn(process.execPath, [entry.path, 'run', '--config', configFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => output,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
