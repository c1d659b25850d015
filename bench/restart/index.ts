/**
 * Restart after kill -9 with a large backlog: a real agent whose outbox holds ~1 GiB of queued
 * records (built directly with the Outbox API) is killed with SIGKILL while it delivers, then
 * started again; the clock runs from spawn to the sandbox (its own process) logging the first
 * accepted batch. Baseline: spawn to the control API answering, for an agent with an empty outbox,
 * killed and restarted the same way.
 *   scripts/with-keyring.sh node bench/restart/index.ts [--quick] [--runs 5] [--backlog-mb 1024]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentProcess } from '../../test/helpers/agent-process.ts';
import { prepareAgentEntry, startAgent } from '../lib/agent-entry.ts';
import { benchArgs } from '../lib/bench-args.ts';
import { benchRow } from '../lib/bench-result.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { formatNumber } from '../lib/format-number.ts';
import { median } from '../lib/median.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';
import { writeResult } from '../lib/write-result.ts';
import { buildBacklog } from './backlog.ts';
import { controlApiAnswers, nextAcceptedBatch } from './first-events.ts';

const args = benchArgs({ 'backlog-mb': {} });
const startedAt = new Date();
const backlogMiB = Number(args.extra['backlog-mb'] ?? (args.quick ? 64 : 1024));
if (!Number.isFinite(backlogMiB) || backlogMiB <= 0)
  throw new Error(`--backlog-mb ${args.extra['backlog-mb']} is not a size.`);
const MiB = 1024 * 1024;
/** Delivery keeps going this long after the first accepted batch before the kill: a mid-stream kill. */
const DELIVER_BEFORE_KILL_MS = 1_000;
const TIMEOUT_MS = 120_000;

// Built first: a sandbox left idle during a build closes its keep-alive connections under the admin client.
const entry = prepareAgentEntry({ fromSource: args.fromSource, log: (line) => process.stdout.write(`${line}\n`) });
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-restart-'));
const sandbox = await startSandboxProcess({ dbPath: path.join(dir, 'cloud.db') });
const running: AgentProcess[] = [];

/** SIGKILL, then a moment for the sandbox to finish what the dead agent had sent. */
async function killHard(agent: AgentProcess): Promise<void> {
  await agent.kill('SIGKILL');
  running.splice(running.indexOf(agent), 1);
  await sleep(250);
}

function spawnAgent(configFile: string): { agent: AgentProcess; spawnedAt: number } {
  const spawnedAt = performance.now();
  const agent = startAgent(entry, configFile);
  running.push(agent);
  return { agent, spawnedAt };
}

try {
  const outboxSettings = { maxBytes: Math.max(2 * backlogMiB * MiB, 64 * MiB), synchronous: 'FULL' as const };
  const loaded = await enrolledAgent({ dir, sandbox, name: 'backlog', outbox: outboxSettings });
  const empty = await enrolledAgent({ dir, sandbox, name: 'empty', outbox: outboxSettings });
  process.stdout.write(`building a ${backlogMiB} MiB backlog…\n`);
  const backlog = buildBacklog(loaded.outboxPath, backlogMiB * MiB, (b) =>
    process.stdout.write(
      `  ${formatNumber(b.queuedBytes / MiB)} MiB, ${formatNumber(b.records)} records after ${formatNumber(b.buildSecs)} s\n`,
    ),
  );
  const fileMiB = statSync(loaded.outboxPath).size / MiB;
  process.stdout.write(
    `backlog: ${formatNumber(backlog.records)} records, ${formatNumber(backlog.queuedBytes / MiB)} MiB queued, file ${formatNumber(fileMiB)} MiB, built in ${formatNumber(backlog.buildSecs)} s\n`,
  );

  // The state every measured start begins from: the previous run was killed mid-delivery.
  {
    const accepted = nextAcceptedBatch(sandbox, TIMEOUT_MS);
    const { agent } = spawnAgent(loaded.configFile);
    await accepted;
    await sleep(DELIVER_BEFORE_KILL_MS);
    await killHard(agent);
  }

  const ours: number[] = [];
  const oursControl: number[] = [];
  const baseline: number[] = [];
  for (let run = 0; run < args.runs; run += 1) {
    {
      const accepted = nextAcceptedBatch(sandbox, TIMEOUT_MS);
      const { agent, spawnedAt } = spawnAgent(loaded.configFile);
      const control = controlApiAnswers(loaded.dataDir, TIMEOUT_MS);
      ours.push((await accepted) - spawnedAt);
      oursControl.push((await control) - spawnedAt);
      await sleep(DELIVER_BEFORE_KILL_MS);
      await killHard(agent);
    }
    {
      const { agent, spawnedAt } = spawnAgent(empty.configFile);
      baseline.push((await controlApiAnswers(empty.dataDir, TIMEOUT_MS)) - spawnedAt);
      await killHard(agent);
    }
    process.stdout.write(
      `run ${run + 1}/${args.runs}: first accepted batch after ${formatNumber(ours[run]! / 1000)} s (control API after ${formatNumber(oursControl[run]! / 1000)} s); ` +
        `empty agent's control API after ${formatNumber(baseline[run]! / 1000)} s\n`,
    );
  }

  const secs = (samples: number[]) => median(samples) / 1000;
  const backlogLabel = backlogMiB >= 1024 ? `${formatNumber(backlogMiB / 1024)} GiB` : `${backlogMiB} MiB`;
  writeResult({
    name: 'restart',
    title: `Restart after kill -9 with a ${backlogLabel} backlog`,
    mode: args.quick || backlogMiB < 1024 ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    durationSecs: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    runs: args.runs,
    rows: [
      benchRow({
        metric: `restart after kill -9 with a ${backlogLabel} backlog → first accepted batch`,
        ours: { value: secs(ours), unit: 's' },
        baseline: { label: 'empty agent: spawn → control API answers', value: secs(baseline), unit: 's' },
        target: { on: 'ours', op: '<=', value: 1.5 },
      }),
    ],
    details: {
      backlog: {
        records: backlog.records,
        queuedMiB: Math.round(backlog.queuedBytes / MiB),
        fileMiB: Math.round(fileMiB),
        buildSecs: Math.round(backlog.buildSecs),
      },
      oursSamplesMs: ours.map(Math.round),
      oursControlApiSamplesMs: oursControl.map(Math.round),
      baselineSamplesMs: baseline.map(Math.round),
      deliverBeforeKillMs: DELIVER_BEFORE_KILL_MS,
      agentEntry: entry.kind,
    },
    notes: [
      `Medians: with the backlog the first batch was accepted ${formatNumber(secs(ours))} s after spawn and the control API answered after ` +
        `${formatNumber(secs(oursControl))} s (delivery starts before the control API); an empty agent's control API answers after ${formatNumber(secs(baseline))} s. ` +
        'After a kill -9 the start checks the delivery tables only (quick_check of meta, checkpoints, batches, streams); ' +
          'the whole file gets integrity_check in a worker thread while delivery runs (agents/outbox/start-check.ts).',
      'The outbox file is in the page cache (it was just written): a cold start from disk would read it first.',
      entry.kind === 'built'
        ? 'The agent runs as built (tsc output, as installed); --from-source adds type stripping to every start.'
        : 'The agent runs from its TypeScript source under Node type stripping (--from-source), which adds to every start.',
    ],
  });
} finally {
  for (const agent of [...running]) await agent.kill('SIGKILL');
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
