/**
 * File drop → sandbox ack for a shift-close report, through a real `tya-agent run` process and the
 * sandbox in its own process: the report is written under a temporary name and renamed into the
 * watched folder (as a till does), and the clock stops when the cloud holds its record and its
 * original file. This includes taking the file (on a local disk the short check of a file renamed
 * in; with `usePolling`, as on a network share, the polling interval and the stableMs window),
 * parsing, the original's upload and the urgent batch.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleZReport, zReportJson } from '../../agents/formats/zreport/zreport-samples.ts';
import { prepareAgentEntry, startAgent } from '../lib/agent-entry.ts';
import { enrolledAgent } from '../lib/enrolled-agent.ts';
import { startSandboxProcess } from '../lib/sandbox-process.ts';

export interface LatencyResult {
  samplesMs: number[];
  stableMs: number;
  pollMs: number;
  usePolling: boolean;
  pollIntervalMs: number | undefined;
  inPlace: boolean;
}

const POLL_MS = 10;

export async function measureZLatency(options: {
  dir: string;
  drops: number;
  fromSource: boolean;
  stableMs: number;
  /** Forced polling (a network share): chokidar polls the folder every `pollIntervalMs`. */
  usePolling?: { pollIntervalMs: number };
  /** Written under its final name (open, write, close) instead of renamed in: a till that writes in place. */
  inPlace?: boolean;
  log: (line: string) => void;
}): Promise<LatencyResult> {
  const inPlace = options.inPlace === true;
  const mode = options.usePolling === undefined ? (inPlace ? 'inplace' : 'local') : 'polling';
  const sandbox = await startSandboxProcess({ dbPath: path.join(options.dir, `cloud-${mode}.db`) });
  const till = path.join(options.dir, `till-${mode}`);
  mkdirSync(till);
  try {
    const entry = prepareAgentEntry({ fromSource: options.fromSource, log: options.log });
    const enrolled = await enrolledAgent({
      dir: options.dir,
      sandbox,
      name: `files-bench-${mode}`,
      cloud: { heartbeatIntervalSecs: 3600 },
      sources: [
        {
          type: 'folder',
          name: 'tills',
          path: till,
          kind: 'zreport',
          stableMs: options.stableMs,
          ...(options.usePolling === undefined ? {} : { usePolling: true, pollIntervalMs: options.usePolling.pollIntervalMs }),
        },
      ],
    });
    const agent = startAgent(entry, enrolled.configFile);
    try {
      // Records and originals: a report is there when the cloud holds both.
      const count = async () => {
        const counts = await sandbox.admin.counts();
        return Math.min(counts.streams.find((s) => s.stream === 'shift_reports')?.records ?? 0, counts.files);
      };
      // The agent is up when its first report (not timed) arrives.
      const samplesMs: number[] = [];
      for (let i = 0; i <= options.drops; i += 1) {
        const before = await count();
        const name = `Z-${String(1000 + i).padStart(5, '0')}.json`;
        const report = zReportJson([sampleZReport({ zNumber: String(1000 + i).padStart(5, '0') })]);
        if (!inPlace) writeFileSync(path.join(till, `${name}.part`), report);
        const started = performance.now();
        if (inPlace) writeFileSync(path.join(till, name), report);
        else renameSync(path.join(till, `${name}.part`), path.join(till, name));
        const deadline = started + 60_000;
        while ((await count()) <= before) {
          if (performance.now() > deadline) throw new Error(`${name} did not reach the sandbox within 60 s:\n${agent.output().slice(-2000)}`);
          await sleep(POLL_MS);
        }
        const ms = performance.now() - started;
        if (i > 0) {
          samplesMs.push(ms);
          if (i % 20 === 0 || i === options.drops) options.log(`Z report ${i}/${options.drops} (${mode}): ${Math.round(ms)} ms from drop to the cloud`);
        }
        // Drops at varied moments, so they do not fall into step with the agent's polling.
        await sleep(150 + ((i * 137) % 400));
      }
      return { samplesMs, stableMs: options.stableMs, pollMs: POLL_MS, usePolling: options.usePolling !== undefined, pollIntervalMs: options.usePolling?.pollIntervalMs, inPlace };
    } finally {
      await agent.kill('SIGTERM');
    }
  } finally {
    await sandbox.close();
  }
}
