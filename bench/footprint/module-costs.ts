/**
 * Not a side of the comparison, an explanation of it: how much RSS each dependency adds to a bare
 * node process when merely imported, and what importing the agent's composition root costs, each
 * in a fresh process. What remains of the idle figure beyond that is the agent's working state.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bindingCandidates } from '../../agents/sources/odbc/odbc-binding.ts';
import type { AgentEntry } from '../lib/agent-entry.ts';

/** The odbc binding the agent loads (odbc-binding.ts): the package's Connection class and its native module, without its entry point. */
function odbcAsLoaded(): string[] {
  const packageJson = createRequire(import.meta.url).resolve('odbc/package.json');
  const { binary } = JSON.parse(readFileSync(packageJson, 'utf8')) as { binary: Record<string, unknown> };
  const binding = bindingCandidates(path.dirname(packageJson), binary, Number(process.versions.napi)).find((p) => existsSync(p));
  return binding === undefined ? ['odbc'] : ['odbc/lib/Connection.js', binding];
}

/**
 * What the agent imports of each dependency at idle: of undici only its Agent and request()
 * (undici-agent.ts), of odbc its binding and Connection class. A `.node` path is loaded with require.
 */
export const DEPENDENCIES: Record<string, readonly string[]> = {
  'better-sqlite3': ['better-sqlite3'],
  odbc: odbcAsLoaded(),
  keytar: ['keytar'],
  undici: ['undici/lib/dispatcher/agent.js', 'undici/lib/api/api-request.js'],
  ws: ['ws'],
  zod: ['zod'],
  pino: ['pino'],
};

/** RSS in MiB of a fresh node process after importing `specifiers` and settling for a moment. */
function rssAfterImport(specifiers: readonly string[], cwd: string): number {
  const script = `const require = (await import('node:module')).createRequire(process.cwd() + '/');
    for (const s of ${JSON.stringify(specifiers)}) s.endsWith('.node') ? require(s) : await import(s);
    const fs = await import('node:fs');
    setTimeout(() => process.stdout.write(/VmRSS:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]), 1000);`;
  const kib = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
  return Math.round((Number(kib) / 1024) * 10) / 10;
}

export function moduleCostsMiB(entry: AgentEntry, repoRoot: string): Record<string, number> {
  const bare = rssAfterImport([], repoRoot);
  const costs: Record<string, number> = { 'bare node': bare };
  for (const [dependency, specifiers] of Object.entries(DEPENDENCIES))
    costs[dependency] = Math.round((rssAfterImport(specifiers, repoRoot) - bare) * 10) / 10;
  costs['all together'] = Math.round((rssAfterImport(Object.values(DEPENDENCIES).flat(), repoRoot) - bare) * 10) / 10;
  const agentModule = path.join(
    path.dirname(entry.path),
    '../engine',
    entry.kind === 'built' ? 'agent.js' : 'agent.ts',
  );
  costs['the agent’s code (engine/agent imported, nothing started)'] =
    Math.round((rssAfterImport([pathToFileURL(agentModule).href], repoRoot) - bare) * 10) / 10;
  return costs;
}
