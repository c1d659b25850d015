/**
 * `tya-agent mapping resend --source S --stream T` (issue 13 item 7): the stream's schemaVersion is
 * raised and the stream re-read from the start, so every record is sent again under the mapping in
 * force, as a change (the version digest includes the schema version). Records already queued keep
 * the shape and schemaVersion they were queued with.
 */
import { Agent } from '../../engine/agent.ts';
import { runAsActor } from '../../outbox/audit-actor.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { busyError, findRunningAgent } from '../running-agent.ts';

export async function mappingResendCommand(opts: { source: string; stream: string; config?: string }, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(opts.config);
  if (!loaded.config.streams.some((s) => s.source === opts.source && s.stream === opts.stream)) {
    throw new CliError(ExitCode.usage, 'stream_not_configured', `${opts.source}/${opts.stream} has no entry in the config's "streams" section.`, {
      hint: 'Add {"source": …, "stream": …, "mapping": "file.json"} there first: a resend sends the stream under its configured mapping.',
    });
  }
  const running = findRunningAgent(loaded.dataDir);
  if (running !== null && running.client === null) throw busyError(loaded.dataDir, running);
  let version: number;
  if (running?.client) {
    version = (await running.client.resendStream(opts.source, opts.stream)).schemaVersion;
  } else {
    const agent = Agent.open({ loaded, lockAs: 'mapping resend' });
    try {
      version = runAsActor('cli', () => {
        const raised = agent.pipeline.raiseSchemaVersion(opts.source, opts.stream);
        agent.outbox.audit.record({ event: 'config-changed', subject: `streams/${opts.source}/${opts.stream}`, details: { schemaVersion: raised, resend: true } });
        return raised;
      });
      agent.outbox.deleteCheckpoint(opts.source, opts.stream);
    } finally {
      await agent.close();
    }
  }
  io.out(
    `${opts.source}/${opts.stream} is re-read from the start and sent with schemaVersion ${version}` +
      `${running?.client ? '' : ' when the agent next runs'}; records already queued keep their shape.`,
  );
  return ExitCode.ok;
}
