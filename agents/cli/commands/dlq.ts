import { Agent } from '../../engine/agent.ts';
import type { DeadLetter } from '../../outbox/index.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { busyError, findRunningAgent } from '../running-agent.ts';
import { runAsActor } from '../../outbox/audit-actor.ts';

export type DlqAction = 'list' | 'replay' | 'discard';

/**
 * `tya-agent dlq list|replay|discard`: the changes the cloud refused for good, with the reason.
 * Goes through the running agent when there is one, otherwise straight to the outbox file.
 */
export async function dlqCommand(
  action: DlqAction,
  options: { config?: string; ids: string[]; all?: boolean; limit: number; json?: boolean },
  io: CliIo,
): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const running = findRunningAgent(loaded.dataDir);
  if (running !== null && running.client === null) throw busyError(loaded.dataDir, running);
  const client = running?.client ?? null;
  // No agent runs: work on the outbox directly, holding the folder so no agent starts meanwhile.
  const agent = client === null ? Agent.open({ loaded, lockAs: `dlq ${action}` }) : null;
  try {
    if (action === 'list') {
      const letters = (client ? await client.listDeadLetters(options.limit) : agent!.outbox.listDeadLetters({ limit: options.limit })) as DeadLetter[];
      if (options.json) io.out(JSON.stringify(letters, null, 2));
      else printDeadLetters(letters, io);
      return ExitCode.ok;
    }
    const ids = selectIds(options.ids, options.all);
    const count =
      action === 'replay'
        ? client
          ? await client.replayDeadLetters(ids)
          : runAsActor('cli', () => agent!.outbox.replayDeadLetters(ids))
        : client
          ? await client.discardDeadLetters(ids)
          : runAsActor('cli', () => agent!.outbox.discardDeadLetters(ids));
    io.out(
      action === 'replay'
        ? `${count} change${count === 1 ? '' : 's'} put back in the queue${client ? '' : '; they are sent when the agent next runs'}.`
        : `${count} change${count === 1 ? '' : 's'} discarded (recorded in the audit log).`,
    );
    return ExitCode.ok;
  } finally {
    await agent?.close();
  }
}

function selectIds(raw: string[], all: boolean | undefined): number[] | 'all' {
  if (all) return 'all';
  const ids = raw.map((id) => Number(id));
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id <= 0)) {
    throw new CliError(ExitCode.usage, 'dlq_ids_missing', 'Name the failed changes by id (see "tya-agent dlq list"), or pass --all.');
  }
  return ids;
}

function printDeadLetters(letters: DeadLetter[], io: CliIo): void {
  if (letters.length === 0) {
    io.out('No failed changes. Everything the cloud was sent, it accepted.');
    return;
  }
  io.out(`${letters.length} failed change${letters.length === 1 ? '' : 's'}:`);
  for (const letter of letters) {
    io.out(
      `  #${letter.id}  ${letter.source}/${letter.stream}  key ${JSON.stringify(letter.key)}  ${letter.failedAt}\n` +
        `        ${letter.reasonCode}: ${letter.reasonMessage}`,
    );
  }
  io.out('Replay with "tya-agent dlq replay ID…" once the cause is fixed, or discard with "tya-agent dlq discard ID…".');
}
