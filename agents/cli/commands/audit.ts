import type { AuditEntry } from '../../api/index.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { AUDIT_KEY_REF } from '../../outbox/audit-log.ts';
import { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { type SecretStore } from '../../vault/index.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import { CliError } from '../cli-error.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export interface AuditOptions {
  config?: string;
  since?: string;
  limit: number;
  json?: boolean;
}

/**
 * `tya-agent audit verify | list`: checks the audit log's chain and MACs (docs/audit-log.md), or
 * prints its entries. Reads the outbox read-only, so it works while the agent runs and changes
 * nothing, not even by making a key.
 */
export async function auditCommand(action: 'verify' | 'list', options: AuditOptions, io: CliIo, secrets?: SecretStore): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const layout = dataDirLayout(loaded.dataDir);
  const outbox = Outbox.openReadonly(layout.outbox, systemClock);
  try {
    if (action === 'list') {
      const entries = outbox.audit.list({ since: parseSince(options.since), limit: options.limit });
      if (options.json) io.out(JSON.stringify(entries, null, 2));
      else if (entries.length === 0) io.out('The audit log has no entries' + (options.since === undefined ? '.' : ` since ${options.since}.`));
      else for (const entry of entries.reverse()) io.out(formatEntry(entry));
      return ExitCode.ok;
    }
    const store = secrets ?? installationSecretStore(loaded.config, layout.root);
    const storedKey = await store.get(AUDIT_KEY_REF);
    const verdict = outbox.audit.verify(storedKey === undefined ? null : Buffer.from(storedKey, 'base64'));
    if (options.json) io.out(JSON.stringify(verdict, null, 2));
    if (verdict.ok) {
      if (!options.json) {
        const acked = verdict.acknowledgedHead === null ? 'the cloud has not acknowledged a head yet' : `it contains the head the cloud acknowledged (${verdict.acknowledgedHead})`;
        io.out(verdict.entries === 0 ? 'The audit log is empty.' : `The audit log is intact: ${verdict.entries} entries, head ${verdict.head}; ${acked}.`);
      }
      return ExitCode.ok;
    }
    if (!options.json) {
      io.err(`The audit log FAILED verification${verdict.seq === null ? '' : ` at entry ${verdict.seq}`} (${verdict.problem}): ${verdict.message}`);
      io.err('Keep a copy of the outbox file as it is now and tell your security contact; the agent itself keeps working.');
    }
    return ExitCode.incomplete;
  } finally {
    outbox.close();
  }
}

function parseSince(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) {
    throw new CliError(ExitCode.usage, 'since_invalid', `--since "${since}" is not a date or time.`, {
      hint: 'Give a date (2026-12-01) or an RFC 3339 time (2026-12-01T08:00:00Z).',
    });
  }
  return new Date(ms).toISOString();
}

function formatEntry(entry: AuditEntry): string {
  const details = Object.entries(entry.details).map(([key, value]) => `${key}=${String(value)}`).join(' ');
  return `#${entry.seq}  ${entry.at}  ${entry.actor.padEnd(16)}  ${entry.event.padEnd(22)}  ${entry.subject}${details === '' ? '' : `  (${details})`}`;
}
