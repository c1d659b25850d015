import { SingleBar, Presets } from 'cli-progress';
import { Agent } from '../../engine/agent.ts';
import { deliveryBlocker, type Blocker, type BlockerKind } from '../../engine/blockers.ts';
import type { Outbox } from '../../outbox/index.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { busyError, findRunningAgent } from '../running-agent.ts';

export interface SyncOptions {
  config?: string;
  source?: string;
  timeoutSecs: number;
}

const BLOCKER_EXIT_CODES: Record<BlockerKind, ExitCodeValue> = {
  'not-enrolled': ExitCode.notEnrolled,
  revoked: ExitCode.revoked,
  halted: ExitCode.halted,
  'sources-stopped': ExitCode.sourcesStopped,
};

/**
 * `tya-agent sync`: read every source now and send what is queued. With a running agent it asks
 * that agent; otherwise it runs the agent once in this process until caught up and delivered
 * (exit 0), until nothing can progress (not enrolled, revoked, delivery halted, every source
 * failing: a sentence and that class's exit code, within seconds), or until the timeout (exit 3).
 * The queue is kept in every case, and refusals are always counted in the summary.
 */
export async function syncCommand(options: SyncOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const running = findRunningAgent(loaded.dataDir);
  if (running !== null) {
    if (running.client === null) throw busyError(loaded.dataDir, running);
    await running.client.syncNow(options.source);
    const blocker = deliveryBlocker(await running.client.status());
    if (blocker !== null) return reportBlocker(blocker, io);
    io.out(`Asked the running agent (pid ${running.holder.pid}) to read its sources and send now. "tya-agent status" shows the progress.`);
    return ExitCode.ok;
  }

  const agent = Agent.open({ loaded, lockAs: 'sync' });
  try {
    // Before any source is read: a one-shot sync of an agent that cannot send (not enrolled, or
    // revoked: the persisted alert) ends at once. A halt is only known once delivery has tried.
    await agent.isEnrolled();
    const blocker = deliveryBlocker(agent.status());
    if (blocker !== null) {
      await agent.close();
      io.err('No source was read.');
      return reportBlocker(blocker, io);
    }
    await agent.start();
  } catch (error) {
    await agent.stop();
    throw error;
  }
  const bar = io.interactive ? new SingleBar({ format: ' {bar} {value} sent, {waiting} waiting', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(1, 0, { waiting: 0 });
  const refusedBefore = agent.outbox.stats().deadLetters;
  try {
    const result = await agent.drain({
      timeoutMs: options.timeoutSecs * 1000,
      onProgress: ({ waiting, delivered }) => {
        bar?.setTotal(Math.max(1, delivered + waiting));
        bar?.update(delivered, { waiting });
      },
    });
    bar?.stop();
    const status = agent.status();
    const refusals = describeRefusals(agent.outbox, refusedBefore);
    if (result.outcome === 'blocked') {
      const code = reportBlocker(result.blocker, io);
      if (refusals !== null) io.err(refusals);
      return code;
    }
    if (result.outcome === 'timeout') {
      io.err(
        `Not finished after ${options.timeoutSecs} s: ${status.queue.depth} changes are still queued (kept safely; the agent sends them when it next runs).` +
          (status.cloud.lastError ? ` Last cloud error: ${status.cloud.lastError.message}` : ''),
      );
      if (refusals !== null) io.err(refusals);
      return ExitCode.incomplete;
    }
    if (refusals !== null) {
      io.out('Every source was read and the queue is empty, but not everything was accepted.');
      io.out(refusals);
      return ExitCode.incomplete;
    }
    io.out(`Up to date: every source read, queue empty (${status.queue.delivered} changes delivered in total).`);
    return ExitCode.ok;
  } finally {
    bar?.stop();
    await agent.stop();
  }
}

function reportBlocker(blocker: Blocker, io: CliIo): ExitCodeValue {
  io.err(blocker.message);
  io.err(`What to do: ${blocker.hint}`);
  return BLOCKER_EXIT_CODES[blocker.kind];
}

/**
 * "The cloud refused 2 changes in this run (unknown_customer ×2: Customer 7 is not in the books.) …"
 * or null when nothing waits as a failed change.
 */
export function describeRefusals(outbox: Pick<Outbox, 'stats' | 'listDeadLetters'>, refusedBefore: number): string | null {
  const total = outbox.stats().deadLetters;
  if (total === 0) return null;
  const fresh = Math.max(0, total - refusedBefore);
  const letters = fresh === 0 ? [] : outbox.listDeadLetters({ limit: fresh, offset: total - fresh });
  const byReason = new Map<string, { count: number; example: string }>();
  for (const letter of letters) {
    const entry = byReason.get(letter.reasonCode) ?? { count: 0, example: letter.reasonMessage };
    entry.count += 1;
    byReason.set(letter.reasonCode, entry);
  }
  const reasons = [...byReason].map(([code, { count, example }]) => `${code} ×${count}, e.g. "${example}"`).join('; ');
  const plural = (n: number) => `${n} change${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (fresh > 0) parts.push(`The cloud refused ${plural(fresh)} in this run (${reasons}).`);
  if (total > fresh) parts.push(`${plural(total - fresh)} refused earlier ${total - fresh === 1 ? 'is' : 'are'} still waiting.`);
  parts.push(
    `${total === 1 ? 'It is' : 'They are'} kept as failed changes: "tya-agent dlq list" shows them; replay with "tya-agent dlq replay" once the cause is fixed.`,
  );
  return parts.join(' ');
}
