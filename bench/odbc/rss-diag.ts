/**
 * Diagnostic aid for the RSS benchmark (not a benchmark): the same real agent load as agent-rss.ts,
 * printing once a second the agent's VmRSS split into anonymous and file-backed pages, and its V8
 * heap as `--trace-gc` reports it, so a peak can be put down to the heap, native memory or mappings.
 *   scripts/with-keyring.sh node bench/odbc/rss-diag.ts [rows] [pageRows]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { CLI_ENTRY } from '../../test/helpers/agent-process.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';
import { benchSourceConfig, createBenchTable } from './bench-table.ts';

const rows = Number(process.argv[2] ?? 50_000);
const pageRows = Number(process.argv[3] ?? 500);
const table = await createBenchTable('postgresql', rows, 2000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-odbc-rss-diag-'));
const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });
try {
  const config = benchSourceConfig(table, pageRows, { name: 'erp' });
  const setup = await enrolledAgent({ dir, sandbox, name: 'rss', sources: [config] });
  // --trace-gc is not allowed in NODE_OPTIONS: the agent is started with it on its command line.
  let output = '';
  const child = spawn(process.execPath, ['--trace-gc', CLI_ENTRY, 'run', '--config', setup.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const agent = { child, output: () => output, kill: () => void child.kill('SIGTERM') };
  const started = performance.now();
  try {
    for (;;) {
      await sleep(1000);
      const status = readFileSync(`/proc/${agent.child.pid}/status`, 'utf8');
      const kb = (name: string) => Math.round(Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(name)) ?? '')?.[1] ?? 0) / 1024);
      const gc = agent.output().split('\n').filter((line) => /Scavenge|Mark-Compact/.test(line)).at(-1) ?? '';
      const heap = /(\d+\.\d+) \((\d+\.\d+)\) -> (\d+\.\d+) \((\d+\.\d+)\) MB/.exec(gc);
      const accepted = (await sandbox.admin.counts()).recordsAccepted;
      process.stdout.write(
        `${((performance.now() - started) / 1000).toFixed(0)}s accepted ${accepted} rss ${kb('VmRSS:')} anon ${kb('RssAnon:')} file ${kb('RssFile:')} MiB` +
          ` heap ${heap === null ? '?' : `${heap[3]} used / ${heap[4]} committed`} MB\n`,
      );
      if (accepted >= rows) break;
    }
  } finally {
    agent.kill();
  }
} finally {
  await sandbox.close();
  await table.db.drop();
  rmSync(dir, { recursive: true, force: true });
}
