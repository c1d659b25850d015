/**
 * Peak memory of a real `tya-agent run` importing one large bank statement through its folder source
 * (issue 10 item 3): the file is renamed into the watched folder of an idle, enrolled agent (the
 * sandbox in its own process), and the clock stops when the cloud holds every entry. The figure is
 * the agent process's kernel high-water mark (VmHWM of /proc/<pid>/status: every thread, the
 * reading worker included) over its whole life, start-up and idle included; the idle high-water
 * mark just before the drop is recorded beside it.
 *
 * The baseline (import-raw-child.ts) is the least an importer must do with the same file, alone in a
 * fresh process: stream it, split it into lines, and insert them into a SQLite file in transactions
 * of 500, as the outbox commits pages.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ControlClient } from '../../agents/control/control-client.ts';
import { CSV_SAMPLE_PROFILE } from '../../agents/transforms/statements/statement-samples.ts';
import { prepareAgentEntry, startAgent } from '../lib/agent-entry.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { readCpuSecs } from '../lib/sample-rss.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';

const run = promisify(execFile);
const RAW_CHILD = path.join(import.meta.dirname, 'import-raw-child.ts');
const POLL_MS = 250;

export interface FolderImportSample {
  /** The agent's VmHWM at the end: the peak over its whole life. */
  peakBytes: number;
  /** Its VmHWM just before the file was dropped (start-up and idle). */
  idlePeakBytes: number;
  /** Drop → the cloud holds every entry. */
  ms: number;
  /** The agent's CPU time (every thread) over the same span: less at the mercy of other load than `ms`. */
  cpuSecs: number;
  entries: number;
}

function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`/proc/${pid}/status has no ${field} line`);
  return Number(match[1]) * 1024;
}

export async function measureFolderImport(options: {
  dir: string;
  file: string;
  kind: 'camt' | 'csv';
  entries: number;
  fromSource: boolean;
  log: (line: string) => void;
  timeoutMs?: number;
}): Promise<FolderImportSample> {
  const work = path.join(options.dir, `import-${Date.now()}`);
  const inbox = path.join(work, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const sandbox = await startSandboxProcess({ dbPath: path.join(work, 'cloud.db') });
  try {
    const entry = prepareAgentEntry({ fromSource: options.fromSource, log: options.log });
    const enrolled = await enrolledAgent({
      dir: work,
      sandbox,
      name: 'folder-import',
      cloud: { heartbeatIntervalSecs: 3600 },
      sources: [
        {
          type: 'folder',
          name: 'bank',
          path: inbox,
          kind: 'bank',
          stableMs: 200,
          ...(options.kind === 'csv' ? { csvProfile: CSV_SAMPLE_PROFILE } : {}),
        },
      ],
    });
    const agent = startAgent(entry, enrolled.configFile);
    const pid = agent.child.pid!;
    try {
      const up = performance.now() + 60_000;
      while (ControlClient.fromDataDir(enrolled.dataDir) === null) {
        if (performance.now() > up) throw new Error(`The agent did not start:\n${agent.output().slice(-2000)}`);
        await sleep(100);
      }
      // Settled: the reading worker is warmed and start-up garbage is collected.
      await sleep(3000);
      const idlePeakBytes = statusBytes(pid, 'VmHWM');
      const count = async () => (await sandbox.admin.counts()).streams.find((s) => s.source === 'bank' && s.stream === 'bank_entries')?.records ?? 0;
      const cpuBefore = readCpuSecs(pid);
      const started = performance.now();
      renameSync(options.file, path.join(inbox, path.basename(options.file)));
      const deadline = started + (options.timeoutMs ?? 60 * 60 * 1000);
      let last = -1;
      let lastLog = started;
      for (;;) {
        const held = await count();
        if (held >= options.entries) break;
        if (agent.child.exitCode !== null) throw new Error(`The agent exited during the import:\n${agent.output().slice(-3000)}`);
        if (performance.now() > deadline) throw new Error(`The cloud holds ${held} of ${options.entries} entries after ${options.timeoutMs} ms:\n${agent.output().slice(-3000)}`);
        if (performance.now() - lastLog > 15_000 && held !== last) {
          options.log(`  … ${held} of ${options.entries} entries in the cloud, agent RSS ${(statusBytes(pid, 'VmRSS') / 2 ** 20).toFixed(0)} MiB, peak ${(statusBytes(pid, 'VmHWM') / 2 ** 20).toFixed(0)} MiB`);
          last = held;
          lastLog = performance.now();
        }
        await sleep(POLL_MS);
      }
      const ms = performance.now() - started;
      const peakBytes = statusBytes(pid, 'VmHWM');
      return { peakBytes, idlePeakBytes, ms, cpuSecs: readCpuSecs(pid) - cpuBefore, entries: options.entries };
    } finally {
      await agent.kill('SIGTERM');
    }
  } finally {
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export interface RawImportSample {
  peakBytes: number;
  ms: number;
  lines: number;
}

/** The baseline in a fresh process: stream, line split, SQLite inserts in transactions of 500. */
export async function measureRawImport(file: string, dir: string): Promise<RawImportSample> {
  const db = path.join(dir, `raw-${Date.now()}.db`);
  try {
    const { stdout } = await run(process.execPath, [RAW_CHILD, file, db], { maxBuffer: 1024 * 1024, timeout: 60 * 60 * 1000 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as RawImportSample;
  } finally {
    rmSync(db, { force: true });
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
  }
}
