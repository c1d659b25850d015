/**
 * Peak resident memory of a real agent process loading a large table with a long text column
 * through the whole path (ODBC pages, records, the SQLite outbox, delivery to the sandbox in its own
 * process), sampled from /proc until the cloud holds every row. Baseline: the raw `odbc` keyset
 * loop over the same table and page size, alone in its own process, sampled the same way.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { leanMallocEnv } from '../../agents/cli/lean-heap.ts';
import { postgresqlDialect } from '../../agents/sources/odbc/dialects/postgresql.ts';
import { startAgentProcess } from '../../test/helpers/agent-process.ts';
import { benchRow, type BenchRow } from '../lib/bench-result.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { readRssBytes } from '../lib/sample-rss.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';
import { BENCH_TABLE, benchSourceConfig, createBenchTable } from './bench-table.ts';
import { rawPlanFrom } from './extract-raw.ts';
import { extractWithSource } from './extract-ours.ts';
import { recordingDriver } from './recording-driver.ts';

const MiB = 1024 * 1024;
/** Far above the target: past this the agent is stopped before it hurts a shared machine. */
const CEILING_BYTES = 3 * 1024 * MiB;
const SAMPLE_MS = 200;

export interface RssResult {
  row: BenchRow;
  details: Record<string, unknown>;
}

export async function benchAgentRss(options: {
  rows: number;
  memoChars: number;
  pageRows: number;
  log: (line: string) => void;
}): Promise<RssResult> {
  const { rows, memoChars, pageRows, log } = options;
  const table = await createBenchTable('postgresql', rows, memoChars);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-odbc-rss-'));
  const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });
  try {
    const config = benchSourceConfig(table, pageRows, { name: 'erp' });
    const setup = await enrolledAgent({ dir, sandbox, name: 'rss', sources: [config] });
    const started = performance.now();
    const agent = startAgentProcess(setup.configFile);
    let peak = 0;
    let accepted = 0;
    let lastCount = 0;
    try {
      for (;;) {
        if (agent.child.exitCode !== null || agent.child.signalCode !== null) {
          throw new Error(`The agent exited during the load:\n${agent.output().slice(-2000)}`);
        }
        peak = Math.max(peak, readRssBytes(agent.child.pid!));
        if (peak > CEILING_BYTES) throw new Error(`The agent passed ${CEILING_BYTES / MiB} MiB RSS and was stopped.`);
        if (performance.now() - lastCount >= 1000) {
          lastCount = performance.now();
          accepted = (await sandbox.admin.counts()).recordsAccepted;
          if (accepted >= rows) break;
        }
        await sleep(SAMPLE_MS);
      }
    } finally {
      await agent.kill('SIGTERM');
    }
    const agentSecs = (performance.now() - started) / 1000;
    log(`  agent: ${rows} rows delivered in ${agentSecs.toFixed(1)} s, peak RSS ${(peak / MiB).toFixed(1)} MiB`);

    // The raw loop runs the source's own page queries: learn them from two recorded pages.
    const recorder = recordingDriver();
    await extractWithSource(config, recorder, { maxPages: 2 });
    const plan = rawPlanFrom(recorder.queries, BENCH_TABLE, pageRows, postgresqlDialect.longValueBufferBytes);
    const raw = await sampleChild(plan, table.db.connectionString);
    log(
      `  raw odbc loop: ${raw.rows} rows in ${raw.secs.toFixed(1)} s, peak RSS ${(raw.peakBytes / MiB).toFixed(1)} MiB`,
    );
    return {
      row: benchRow({
        metric: `peak RSS, ${rows.toLocaleString('en')}-row load with a ${memoChars}-char text column, agent path with outbox`,
        ours: { value: peak / MiB, unit: 'MiB' },
        baseline: { label: 'raw odbc keyset loop alone', value: raw.peakBytes / MiB, unit: 'MiB' },
        target: { on: 'ours', op: '<=', value: 200 },
      }),
      details: {
        rows,
        memoChars,
        pageRows,
        agentSecs: Math.round(agentSecs * 10) / 10,
        agentRowsPerSec: Math.round(rows / agentSecs),
        rawSecs: Math.round(raw.secs * 10) / 10,
        rawRowsPerSec: Math.round(raw.rows / raw.secs),
        sampleMs: SAMPLE_MS,
      },
    };
  } finally {
    await sandbox.close();
    await table.db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sampleChild(
  plan: unknown,
  connectionString: string,
): Promise<{ peakBytes: number; rows: number; secs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'raw-load-child.ts')], {
    // The agent's own allocator settings (it re-executes itself with them), so both sides count alike.
    env: {
      ...(leanMallocEnv(process.env, process.platform) ?? process.env),
      TYA_BENCH_RAW_PLAN: JSON.stringify(plan),
      TYA_BENCH_CONNECTION: connectionString,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let peak = 0;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    try {
      peak = Math.max(peak, readRssBytes(child.pid!));
    } catch {
      // Exited between the check and the read.
    }
    await sleep(SAMPLE_MS);
  }
  const code = await exited;
  if (code !== 0) throw new Error(`The raw loop exited with ${code}: ${err.trim()}`);
  const run = JSON.parse(out.trim().split('\n').at(-1)!) as { rows: number };
  return { peakBytes: peak, rows: run.rows, secs: (performance.now() - started) / 1000 };
}
