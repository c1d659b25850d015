import { readFileSync } from 'node:fs';
import { Agent } from '../../engine/agent.ts';
import { SecretRefSchema } from '../../api/index.ts';
import { resolveConfig } from '../config-option.ts';
import { enterServiceContext } from '../service/service-context.ts';
import { describeVault } from '../../engine/installation-secret-store.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { runAsActor } from '../../outbox/audit-actor.ts';
import { assertNotAuditKey } from '../../outbox/audit-log.ts';

/**
 * `tya-agent secret set REF`: puts a password (e.g. a database's) into the OS keychain, read from
 * standard input so it never appears in the shell history or the process list.
 */
export async function secretCommand(action: 'set' | 'delete' | 'check', ref: string | undefined, options: { config?: string; service?: boolean }, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(enterServiceContext(options, (line) => io.err(line)));
  const agent = Agent.open({ loaded });
  try {
    if (action === 'check') {
      await agent.secretStore.probe();
      io.out(`${capitalised(describeVault(loaded.config, loaded.dataDir))} works: a test secret was stored, read back and removed.`);
      return ExitCode.ok;
    }
    if (!ref || !SecretRefSchema.safeParse({ secretRef: ref }).success) {
      throw new CliError(ExitCode.usage, 'secret_ref_invalid', `"${ref ?? ''}" is not a valid secret reference (letters, digits, . _ / - only).`);
    }
    assertNotAuditKey(ref);
    if (action === 'delete') {
      const removed = await agent.secretStore.delete(ref);
      io.out(removed ? `Removed ${ref} from ${describeVault(loaded.config, loaded.dataDir)}.` : `Nothing was stored under ${ref}.`);
      return ExitCode.ok;
    }
    if (process.stdin.isTTY) io.err(`Type the secret for ${ref} and press Ctrl-D (it is not echoed by most terminals if you paste it):`);
    const value = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (value === '') throw new CliError(ExitCode.usage, 'secret_empty', 'The secret was empty; nothing was stored.');
    await agent.secretStore.set(ref, value);
    runAsActor('cli', () => agent.outbox.audit.record({ event: 'secret-set', subject: ref }));
    io.out(`Stored ${ref} in ${describeVault(loaded.config, loaded.dataDir)}. Reference it in the config as {"secretRef": "${ref}"}.`);
    return ExitCode.ok;
  } finally {
    await agent.close();
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
