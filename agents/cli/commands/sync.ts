import { SingleBar, Presets } from 'cli-progress';
import { ControlClient } from '../../control/index.ts';
import { Agent } from '../../engine/agent.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export interface SyncOptions {
  config?: string;
  source?: string;
  timeoutSecs: number;
}

/**
 * `tya-agent sync`: read every source now and send what is queued. With a running agent it asks
 * that agent; otherwise it runs the agent once in this process until caught up and delivered
 * (exit 0), or until the timeout (exit 3: the rest stays safely queued).
 */
export async function syncCommand(options: SyncOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const client = ControlClient.fromDataDir(loaded.dataDir);
  if (client !== null) {
    await client.syncNow(options.source);
    io.out('Asked the running agent to read its sources and send now. "tya-agent status" shows the progress.');
    return ExitCode.ok;
  }
  const agent = await Agent.start({ loaded, controlServer: false });
  const bar = io.interactive ? new SingleBar({ format: ' {bar} {value} sent, {waiting} waiting', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(1, 0, { waiting: 0 });
  try {
    const done = await agent.drain({
      timeoutMs: options.timeoutSecs * 1000,
      onProgress: ({ waiting, delivered }) => {
        bar?.setTotal(Math.max(1, delivered + waiting));
        bar?.update(delivered, { waiting });
      },
    });
    bar?.stop();
    const status = agent.status();
    if (!status.enrollment.enrolled) {
      io.err(`Read all sources; ${status.queue.depth} changes are queued but this agent is not enrolled, so nothing was sent.`);
      return ExitCode.notEnrolled;
    }
    if (!done) {
      io.err(
        `Not finished after ${options.timeoutSecs} s: ${status.queue.depth} changes are still queued (kept safely; the agent sends them when it next runs).` +
          (status.cloud.lastError ? ` Last cloud error: ${status.cloud.lastError.message}` : ''),
      );
      return ExitCode.incomplete;
    }
    io.out(`Up to date: every source read, queue empty (${status.queue.delivered} changes delivered in total).`);
    return status.queue.deadLetters > 0 ? ExitCode.incomplete : ExitCode.ok;
  } finally {
    bar?.stop();
    await agent.stop();
  }
}
