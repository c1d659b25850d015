import os from 'node:os';
import { readFileSync } from 'node:fs';
import { enrollAgent } from '../../delivery/index.ts';
import { Agent } from '../../engine/agent.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { findRunningAgent } from '../running-agent.ts';
import { resolveConfig } from '../config-option.ts';
import { enterServiceContext } from '../service/service-context.ts';
import { describeVault } from '../../engine/installation-secret-store.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { runAsActor } from '../../outbox/audit-actor.ts';

export interface EnrollOptions {
  config?: string;
  url: string;
  /** `-` to read the key from standard input, or absent to use `keyFile` or $TYA_ENROLLMENT_KEY. */
  key?: string;
  /** A file holding the key (the installer's, e.g. a silent Windows install's key file). */
  keyFile?: string;
  name?: string;
  /** Store into the installed service's vault (as root: as the service user). */
  service?: boolean;
}

/**
 * `tya-agent enroll`: trades a one-time enrollment key for this agent's credentials. The secrets go
 * straight into the OS keychain; only the agent id, client id and cloud URL are written to disk.
 */
export async function enrollCommand(options: EnrollOptions, io: CliIo): Promise<ExitCodeValue> {
  const key = readKey(options);
  const loaded = resolveConfig(enterServiceContext(options, (line) => io.err(line)));
  const agent = Agent.open({ loaded });
  try {
    const enrollment = await runAsActor('cli', () => enrollAgent({
      url: options.url,
      enrollmentKey: key,
      name: options.name ?? loaded.config.agent.name,
      hostname: os.hostname(),
      version: AGENT_VERSION,
      secrets: agent.secretStore,
      outbox: agent.outbox,
      transport: loaded.config.cloud,
    }));
    // A new identity: the old one's revocation no longer holds (the condition's cause is gone).
    agent.outbox.clearAlert('agent_revoked');
    agent.outbox.clearAlert('not_enrolled');
    io.out(`Enrolled as ${enrollment.agentId} with ${enrollment.cloudUrl}. The credentials are in ${describeVault(loaded.config, loaded.dataDir)}.`);
    if (findRunningAgent(loaded.dataDir) !== null) {
      io.out(
        'An agent is already running with this data dir: restart it so it starts sending (e.g. systemctl restart tya-agent).',
      );
    }
    return ExitCode.ok;
  } finally {
    await agent.close();
  }
}

/**
 * The key comes from standard input, a file or the environment, never from the command line: every
 * user of the machine can read another's command line (`ps`), and shells keep it in their history.
 */
export function readKey(options: Pick<EnrollOptions, 'key' | 'keyFile'>, env: NodeJS.ProcessEnv = process.env): string {
  if (options.key !== undefined && options.key !== '-') {
    throw new CliError(
      ExitCode.usage,
      'enrollment_key_on_command_line',
      'The enrollment key was given on the command line, where every user of this machine can read it (ps) and the shell keeps it; it was not used.',
      {
        hint: 'Pass it on standard input (printf %s "$KEY" | tya-agent enroll … --key -), with --key-file FILE, or in TYA_ENROLLMENT_KEY.',
      },
    );
  }
  if (options.key === '-' && options.keyFile !== undefined) {
    throw new CliError(ExitCode.usage, 'enrollment_key_twice', 'Both --key - and --key-file were given.', {
      hint: 'Give the enrollment key one way only.',
    });
  }
  const key =
    options.key === '-'
      ? readFileSync(0, 'utf8')
      : options.keyFile !== undefined
        ? readKeyFile(options.keyFile)
        : (env.TYA_ENROLLMENT_KEY ?? '');
  if (key.trim() === '') {
    throw new CliError(ExitCode.usage, 'enrollment_key_missing', 'No enrollment key given.', {
      hint: 'Pass it on standard input (--key -), with --key-file FILE, or in TYA_ENROLLMENT_KEY.',
    });
  }
  return key.trim();
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      ExitCode.usage,
      'enrollment_key_file_unreadable',
      `The key file ${file} cannot be read: ${(error as Error).message}.`,
      {
        hint: 'Check the path and that the user running tya-agent may read it.',
      },
    );
  }
}
