/**
 * Idle footprint of a headless agent process with two SQLite-over-ODBC sources, enrolled with the
 * sandbox (its own process): after a warm-up in which the agent reads and delivers both sources,
 * RSS (VmRSS, every second) and CPU (utime + stime over the window) are sampled. The baseline is a
 * bare `node -e "setInterval(()=>{},1000)"`, started and measured alongside, the same way.
 *   scripts/with-keyring.sh node bench/footprint/index.ts [--quick] [--text-type VARCHAR(100)]
 * (60 s + 60 s; quick: 10 s + 10 s; text columns declared TEXT unless --text-type says otherwise)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../test/helpers/agent-process.ts';
import { prepareAgentEntry, startAgent } from '../lib/agent-entry.ts';
import { benchArgs } from '../lib/bench-args.ts';
import { benchRow } from '../lib/bench-result.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { formatNumber } from '../lib/format-number.ts';
import { median } from '../lib/median.ts';
import { sampleRss, type ProcessSampling } from '../lib/sample-rss.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';
import { createReceiptsDatabase, receiptsSource } from '../lib/sqlite-source-file.ts';
import { writeResult } from '../lib/write-result.ts';
import { DEPENDENCIES, moduleCostsMiB } from './module-costs.ts';
import { rssBreakdownMiB } from './rss-breakdown.ts';
import { guardRss } from './rss-guard.ts';

const args = benchArgs({ 'text-type': { default: 'TEXT' } });
/** How the source tables declare their text columns (TEXT, or e.g. VARCHAR(100) to compare). */
const textType = args.extra['text-type']!;
const startedAt = new Date();
const warmupMs = args.quick ? 10_000 : 60_000;
const windowMs = args.quick ? 10_000 : 60_000;
const ROWS_PER_SOURCE = 1_000;
const MiB = 1024 * 1024;
/** Far above the 80 MiB target: past this the agent is stopped before it hurts the machine. */
const CEILING_BYTES = 3 * 1024 * MiB;
const TARGETS = { rssMiB: 80, cpuPercent: 0.5 };

// Built first: a sandbox left idle during a build closes its keep-alive connections under the admin client.
const entry = prepareAgentEntry({ fromSource: args.fromSource, log: (line) => process.stdout.write(`${line}\n`) });
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-footprint-'));
const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });
const till = path.join(dir, 'till.db');
const backoffice = path.join(dir, 'backoffice.db');
createReceiptsDatabase(till, ROWS_PER_SOURCE, 1, textType);
createReceiptsDatabase(backoffice, ROWS_PER_SOURCE, 2, textType);
const agentSetup = await enrolledAgent({
  dir,
  sandbox,
  name: 'footprint',
  sources: [receiptsSource('till', till), receiptsSource('backoffice', backoffice)],
});

const agent = startAgent(entry, agentSetup.configFile);
const bare = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
const guard = guardRss(agent.child.pid!, CEILING_BYTES, () => agent.child.kill('SIGKILL'));
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;
const base = {
  name: 'footprint',
  title: 'Idle footprint of the headless agent with two ODBC sources',
  mode: args.quick ? ('quick' as const) : ('full' as const),
  startedAt: startedAt.toISOString(),
};
const notes = [
  entry.kind === 'built'
    ? 'The agent runs as built (tsc output, as installed); --from-source measures it under type stripping instead.'
    : 'The agent runs from its TypeScript source under Node type stripping (--from-source), which costs memory of its own.',
  `Each source is a SQLite file of ${ROWS_PER_SOURCE} receipts whose text columns are declared ${textType}, read over the SQLite3 ODBC driver in pages of 500 rows.`,
  'Idle means both sources are read every 10 s (nothing new), a heartbeat goes out every 30 s, and the control API listens.',
  'RSS is VmRSS from /proc (the node binary and shared libraries included, as top shows it); CPU is utime + stime over the window (10 ms ticks).',
];

try {
  // Warm-up: the agent reads both sources and delivers them, then has nothing to do but poll.
  const expected = ROWS_PER_SOURCE * 2;
  await waitFor(
    `${expected} records in the sandbox`,
    async () => guard.exceeded() !== null || (await sandbox.admin.counts()).recordsAccepted >= expected,
    { timeoutMs: warmupMs + 180_000, intervalMs: 500, describe: () => agent.output().slice(-2000) },
  );
  const warmupLeft = warmupMs - (Date.now() - startedAt.getTime());
  if (guard.exceeded() === null && warmupLeft > 0) await sleep(warmupLeft);
  const warmupPeakMiB = round(guard.peakBytes() / MiB);
  const exceeded = guard.exceeded();
  if (exceeded !== null) {
    const rssMiB = exceeded.rssBytes / MiB;
    const accepted = (await sandbox.admin.counts()).recordsAccepted;
    writeResult({
      ...base,
      durationSecs: round((Date.now() - startedAt.getTime()) / 1000),
      runs: 0,
      rows: [
        benchRow({
          metric: 'agent RSS (stopped during warm-up: passed the safety ceiling)',
          ours: { value: rssMiB, unit: 'MiB' },
          baseline: {
            label: 'bare node process',
            value: (await sampleRss(bare.pid!, { durationMs: 0 })).samples[0]!.rssBytes / MiB,
            unit: 'MiB',
          },
          target: { on: 'ours', op: '<=', value: TARGETS.rssMiB },
        }),
      ],
      details: {
        ceilingMiB: CEILING_BYTES / MiB,
        exceededAfterMs: exceeded.afterMs,
        sandboxRecordsAccepted: accepted,
        agentOutput: agent.output().slice(-1000),
      },
      notes: [
        `The agent passed ${CEILING_BYTES / MiB} MiB RSS ${round(exceeded.afterMs / 1000)} s after it started, with ${accepted} of ${expected} records delivered, ` +
          'and was stopped; no idle figures were taken.',
        ...notes,
      ],
    });
  } else {
    process.stdout.write(
      `warm-up done (peak ${warmupPeakMiB} MiB); sampling both processes for ${windowMs / 1000} s\n`,
    );
    const [ours, baseline] = await Promise.all([
      sampleRss(agent.child.pid!, { durationMs: windowMs, intervalMs: 1000, slices: 5 }),
      sampleRss(bare.pid!, { durationMs: windowMs, intervalMs: 1000, slices: 5 }),
    ]);
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) {
      throw new Error(`The agent exited during the window:\n${agent.output().slice(-2000)}`);
    }
    const breakdown = { agent: rssBreakdownMiB(agent.child.pid!, process.execPath), bare: rssBreakdownMiB(bare.pid!, process.execPath) };
    const counts = await sandbox.admin.counts();
    const moduleCosts = moduleCostsMiB(entry, path.resolve(import.meta.dirname, '../..'));
    const peakMiB = (s: ProcessSampling) => Math.max(...s.samples.map((x) => x.rssBytes)) / MiB;
    const summary = (s: ProcessSampling) => ({
      rssPeakMiB: round(peakMiB(s)),
      rssMedianMiB: round(median(s.samples.map((x) => x.rssBytes)) / MiB),
      cpuPercentOfCore: round(s.cpuPercentOfCore, 3),
      cpuPercentBySlice: s.cpuPercentBySlice.map((p) => round(p, 3)),
      cpuSecs: round(s.cpuSecs, 2),
      samples: s.samples.length,
    });
    writeResult({
      ...base,
      durationSecs: round((Date.now() - startedAt.getTime()) / 1000),
      runs: ours.samples.length,
      rows: [
        benchRow({
          metric: `idle RSS (peak over ${windowMs / 1000} s after ${warmupMs / 1000} s warm-up)`,
          ours: { value: peakMiB(ours), unit: 'MiB' },
          baseline: { label: 'bare node process', value: peakMiB(baseline), unit: 'MiB' },
          target: { on: 'ours', op: '<=', value: TARGETS.rssMiB },
        }),
        benchRow({
          metric: `idle CPU (mean over ${windowMs / 1000} s)`,
          ours: { value: ours.cpuPercentOfCore, unit: '% of a core' },
          baseline: { label: 'bare node process', value: baseline.cpuPercentOfCore, unit: '% of a core' },
          target: { on: 'ours', op: '<=', value: TARGETS.cpuPercent },
        }),
      ],
      details: {
        warmupSecs: warmupMs / 1000,
        windowSecs: windowMs / 1000,
        warmupPeakMiB,
        sources: 2,
        textType,
        agentEntry: entry.kind,
        importCostMiB: moduleCosts,
        rssBreakdownMiB: breakdown,
        rowsPerSource: ROWS_PER_SOURCE,
        pollIntervalSecs: 10,
        heartbeatIntervalSecs: 30,
        ours: summary(ours),
        baseline: summary(baseline),
        sandboxRecordsAccepted: counts.recordsAccepted,
        sandboxHeartbeats: counts.heartbeats,
      },
      notes: [
        ...notes,
        `At the end of the window the agent's RSS was ${formatNumber(breakdown.agent.nodeBinary)} MiB of the node binary's own pages (code, builtins, ICU data; ` +
          `the bare node: ${formatNumber(breakdown.bare.nodeBinary)}), ${formatNumber(breakdown.agent.otherFiles)} MiB of other mapped files (native modules, drivers, libc; ` +
          `bare: ${formatNumber(breakdown.bare.otherFiles)}) and ${formatNumber(breakdown.agent.anonymous)} MiB anonymous (V8 heaps, malloc, stacks; bare: ${formatNumber(breakdown.bare.anonymous)}).`,
        `Imported but not started, the agent's code adds ${formatNumber(moduleCosts['the agent’s code (engine/agent imported, nothing started)']!)} MiB to a bare node ` +
          `(${formatNumber(moduleCosts['bare node']!)} MiB); what it imports of its native and npm dependencies adds ${formatNumber(moduleCosts['all together']!)} MiB together, each alone: ` +
          Object.keys(DEPENDENCIES)
            .map((d) => `${d} ${formatNumber(moduleCosts[d]!)}`)
            .join(', ') +
          ' MiB (alone, each also pays for the node built-ins it is first to load, so they do not add up).',
      ],
    });
  }
} finally {
  guard.stop();
  bare.kill('SIGKILL');
  await agent.kill('SIGTERM');
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
