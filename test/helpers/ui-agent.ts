/**
 * A real agent process for the dashboard's end-to-end tests: `tya-agent run` against the sandbox
 * cloud, the built renderer served on its control port, and `tya-agent open-ui --print` for a login link.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentConfigInput } from '../../agents/api/index.ts';
import { REPO_ROOT, runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from './agent-process.ts';

export const RENDERER_DIR = path.join(REPO_ROOT, 'dist', 'renderer');

/** scripts/test.sh builds before the tests; a lone vitest run builds the renderer here. */
export function ensureRendererBuilt(): void {
  if (existsSync(path.join(RENDERER_DIR, 'index.html'))) return;
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export interface UiAgent {
  process: AgentProcess;
  configFile: string;
  dataDir: string;
  url(): string;
  loginLink(): Promise<string>;
  stop(): Promise<void>;
}

export async function startUiAgent(dir: string, config: AgentConfigInput): Promise<UiAgent> {
  const configFile = writeAgentConfig(path.join(dir, 'agent.json'), config);
  const dataDir = path.join(dir, config.agent.dataDir);
  const agent = startAgentProcess(configFile, { TYA_RENDERER_DIR: RENDERER_DIR });
  const controlFile = path.join(dataDir, 'control.json');
  await waitFor('the control API', () => existsSync(controlFile), { timeoutMs: 30_000, describe: () => agent.output().slice(-2000) });
  const port = (JSON.parse(readFileSync(controlFile, 'utf8')) as { port: number }).port;
  return {
    process: agent,
    configFile,
    dataDir,
    url: () => `http://127.0.0.1:${port}`,
    async loginLink() {
      const result = await runCli(['open-ui', '--print', '--config', configFile]);
      if (result.code !== 0) throw new Error(`open-ui --print failed: ${result.stderr}`);
      return result.stdout.trim();
    },
    async stop() {
      await agent.kill('SIGTERM');
    },
  };
}
