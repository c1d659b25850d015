/**
 * A till closes its shift in its database → the cloud holds the shift-close document. A real
 * `tya-agent run` process reads the demo's POS database (SQLite over ODBC) with the source's default
 * `intervalSecs` (10 s) and the document's default `pollSecs` (1 s); the sandbox runs in its own
 * process. The clock starts at the UPDATE that closes the shift and stops when the sandbox counts
 * one more `shift_close` record. Closes come at varied moments, so they do not fall into step with
 * the polling. Baseline: the document poll interval itself (a close waits up to one `pollSecs`).
 *
 *   scripts/with-keyring.sh node bench/odbc/shift-latency.ts [--closes 60]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { PosActivity } from '../../agents/cli/demo/pos-database.ts';
import { demoAgentConfig } from '../../agents/cli/demo/demo-config.ts';
import { prepareAgentEntry, startAgent } from '../lib/agent-entry.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';
import type { SourceConfigInput } from '../lib/sqlite-source-file.ts';

const POLL_MS = 10;
const POLL_SECS = 1;

const { values } = parseArgs({ options: { closes: { type: 'string', default: '60' }, 'from-source': { type: 'boolean', default: true } } });
const closes = Number(values.closes);
const log = (line: string) => console.log(line);

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-shift-latency-'));
const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });
const pos = PosActivity.create(path.join(dir, 'pos.db'), { seed: 11, stores: 1, registersPerStore: 2, closedShiftsPerRegister: 1, receiptsPerShift: 5 });
try {
  const demo = demoAgentConfig({ posDatabase: pos.path, cloudUrl: sandbox.url, dataDir: 'unused' });
  // The demo's source as an office would configure it: the default interval, the default poll.
  const { intervalSecs: _demoInterval, ...source } = demo.sources![0] as SourceConfigInput & { intervalSecs?: number };
  const enrolled = await enrolledAgent({ dir, sandbox, name: 'shift-latency', cloud: { heartbeatIntervalSecs: 3600 }, sources: [source] });
  const agent = startAgent(prepareAgentEntry({ fromSource: values['from-source'], log }), enrolled.configFile);
  try {
    const shifts = async () => (await sandbox.admin.counts()).streams.find((s) => s.stream === 'shift_close')?.records ?? 0;
    // The history's closed shifts arrive first (not timed).
    const deadline = performance.now() + 120_000;
    while ((await shifts()) < 2) {
      if (performance.now() > deadline) throw new Error(`The first shift closes did not arrive:\n${agent.output().slice(-2000)}`);
      await sleep(100);
    }
    const registers = pos.registerIds();
    const samplesMs: number[] = [];
    for (let i = 0; i < closes; i += 1) {
      const register = registers[i % registers.length]!;
      pos.addReceipts(3, register);
      const before = await shifts();
      const started = performance.now();
      if (pos.closeShift(register) === null) throw new Error(`register ${register} had no open shift`);
      while ((await shifts()) <= before) {
        if (performance.now() > started + 60_000) throw new Error(`close ${i + 1} did not reach the sandbox within 60 s:\n${agent.output().slice(-2000)}`);
        await sleep(POLL_MS);
      }
      samplesMs.push(performance.now() - started);
      pos.openShift(register);
      if ((i + 1) % 10 === 0) log(`close ${i + 1}/${closes}: ${Math.round(samplesMs.at(-1)!)} ms from the till's close to the cloud`);
      await sleep(200 + ((i * 379) % 1300));
    }
    const sorted = [...samplesMs].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
    const summary = { closes, pollSecs: POLL_SECS, intervalSecs: 10, p50Ms: Math.round(at(50)), p90Ms: Math.round(at(90)), p99Ms: Math.round(at(99)), maxMs: Math.round(sorted.at(-1)!) };
    log(`shift close in the database → cloud holds it (${closes} closes, pollSecs ${POLL_SECS}, intervalSecs 10): p50 ${summary.p50Ms} ms, p90 ${summary.p90Ms} ms, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms; baseline: the poll interval, ${POLL_SECS * 1000} ms`);
    console.log(JSON.stringify({ name: 'odbc-shift-latency', ...summary }));
  } finally {
    await agent.kill('SIGTERM');
  }
} finally {
  pos.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
