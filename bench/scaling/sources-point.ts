/**
 * Sources per agent: a real `tya-agent run` with N SQLite-over-ODBC sources (100 receipts each), after
 * a warm-up in which it read and delivered all of them, sampled for idle RSS and CPU: what each
 * configured source costs while it has nothing new.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../test/helpers/agent-process.ts';
import { startAgent, type AgentEntry } from '../lib/agent-entry.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { sampleRss } from '../lib/sample-rss.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';
import { createReceiptsDatabase, receiptsSource } from '../lib/sqlite-source-file.ts';

const ROWS_PER_SOURCE = 100;
const MiB = 1024 * 1024;

export async function sourcesPoint(entry: AgentEntry, sources: number, timing: { settleMs: number; windowMs: number }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-scaling-sources-'));
  const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });
  const configs = Array.from({ length: sources }, (_, n) => {
    const file = path.join(dir, `till-${n}.db`);
    createReceiptsDatabase(file, ROWS_PER_SOURCE, n + 1);
    return receiptsSource(`till-${n}`, file);
  });
  const setup = await enrolledAgent({ dir, sandbox, name: `scaling-${sources}`, sources: configs });
  const agent = startAgent(entry, setup.configFile);
  try {
    const started = performance.now();
    const expected = sources * ROWS_PER_SOURCE;
    await waitFor(`${expected} records in the sandbox`, async () => (await sandbox.admin.counts()).recordsAccepted >= expected, {
      timeoutMs: 300_000,
      intervalMs: 500,
      describe: () => agent.output().slice(-2000),
    });
    const firstDeliverySecs = (performance.now() - started) / 1000;
    await sleep(timing.settleMs);
    const sampling = await sampleRss(agent.child.pid!, { durationMs: timing.windowMs, intervalMs: 1000, slices: 3 });
    if (agent.child.exitCode !== null) throw new Error(`The agent exited during the window:\n${agent.output().slice(-2000)}`);
    return {
      cpuPercent: sampling.cpuPercentOfCore,
      peakMiB: Math.max(...sampling.samples.map((s) => s.rssBytes)) / MiB,
      firstDeliverySecs,
    };
  } finally {
    await agent.kill('SIGTERM');
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
