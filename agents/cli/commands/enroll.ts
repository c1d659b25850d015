import os from 'node:os';
import { readFileSync } from 'node:fs';
import { enrollAgent } from '../../delivery/index.ts';
import { Agent } from '../../engine/agent.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { findRunningAgent } from '../running-agent.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export interface EnrollOptions {
  config?: string;
  url: string;
  /** The key itself, `-` to read it from standard input, or absent to use $TYA_ENROLLMENT_KEY. */
  key?: string;
  name?: string;
}

/**
 * `tya-agent enroll`: trades a one-time enrollment key for this agent's credentials. The secrets go
 * straight into the OS keychain; only the agent id, client id and cloud URL are written to disk.
 */
export async function enrollCommand(options: EnrollOptions, io: CliIo): Promise<ExitCodeValue> {
  const key = readKey(options.key);
  const loaded = resolveConfig(options.config);
  const agent = Agent.open({ loaded });
  try {
    const enrollment = await enrollAgent({
      url: options.url,
      enrollmentKey: key,
      name: options.name ?? loaded.config.agent.name,
      hostname: os.hostname(),
      version: AGENT_VERSION,
      secrets: agent.secretStore,
      outbox: agent.outbox,
    });
    // A new identity: the old one's revocation no longer holds (the condition's cause is gone).
    agent.outbox.clearAlert('agent_revoked');
    agent.outbox.clearAlert('not_enrolled');
    io.out(`Enrolled as ${enrollment.agentId} with ${enrollment.cloudUrl}. The credentials are in the OS keychain.`);
    if (findRunningAgent(loaded.dataDir) !== null) {
      io.out('An agent is already running with this data dir: restart it so it starts sending (e.g. systemctl restart tya-agent).');
    }
    return ExitCode.ok;
  } finally {
    agent.close();
  }
}

function readKey(option: string | undefined): string {
  const key = option === '-' ? readFileSync(0, 'utf8').trim() : (option ?? process.env.TYA_ENROLLMENT_KEY ?? '').trim();
  if (key === '') {
    throw new CliError(ExitCode.usage, 'enrollment_key_missing', 'No enrollment key given.', {
      hint: 'Pass --key KEY, --key - to read it from standard input, or set TYA_ENROLLMENT_KEY.',
    });
  }
  return key;
}
