/**
 * The audit log's check when the agent starts: read (or, for a new log, make) the MAC key and walk
 * the chain. A broken chain, a cut one (the cloud's acknowledged head is gone) or a lost key each
 * become a critical alert, so tampering shows on the tray and in the cloud's heartbeat alerts
 * instead of waiting for someone to run `tya-agent audit verify`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AUDIT_CHAIN_BROKEN_ALERT } from '../outbox/audit-log.ts';
import type { Outbox } from '../outbox/index.ts';
import { describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';

export const AUDIT_HEAD_UNKNOWN_ALERT = 'audit_head_unknown';
/** agent_state key: the digest of the config file as the agent last knew it (started with it, or saved it). */
const CONFIG_DIGEST_KEY = 'audit.configDigest';

/** After the agent itself saved the config file (the dashboard): that version is known, not a hand edit. */
export function rememberConfigFile(outbox: Pick<Outbox, 'setState'>, file: string): void {
  outbox.setState(CONFIG_DIGEST_KEY, digestOf(file));
}

/**
 * Most config changes are made by hand in the file while the agent is stopped; they are recorded
 * (by the agent, as `system`: who edited the file is not knowable here) when it starts with them.
 */
function noteConfigFileEdits(outbox: Outbox, file: string): void {
  const digest = digestOf(file);
  const known = outbox.getState(CONFIG_DIGEST_KEY);
  if (known !== undefined && known !== digest) outbox.audit.record({ event: 'config-changed', subject: 'config file', details: { file, via: 'file edited outside the agent' } });
  if (known !== digest) outbox.setState(CONFIG_DIGEST_KEY, digest);
}

function digestOf(file: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

export async function checkAuditChain(outbox: Outbox, logger: Logger, configFile: string): Promise<void> {
  try {
    noteConfigFileEdits(outbox, configFile);
    const key = await outbox.audit.unlock();
    if (key.state === 'unavailable') {
      logger.warn({ errorType: 'keychain_failed', stage: 'audit' }, `The audit log's key could not be read, so the chain was not checked: ${key.message}`);
      return;
    }
    // 'missing' raised audit_key_missing itself; the chain cannot be checked without the key.
    if (key.state === 'missing') return;
    const verdict = outbox.audit.verify(key.key);
    if (verdict.ok) {
      outbox.clearAlert(AUDIT_CHAIN_BROKEN_ALERT);
      outbox.clearAlert(AUDIT_HEAD_UNKNOWN_ALERT);
      return;
    }
    const code = verdict.problem === 'head_unknown' ? AUDIT_HEAD_UNKNOWN_ALERT : AUDIT_CHAIN_BROKEN_ALERT;
    const message = `The audit log failed its check: ${verdict.message} Keep a copy of the outbox file and tell your security contact; "tya-agent audit verify" repeats the check.`;
    outbox.raiseAlert({ code, severity: 'critical', message });
    logger.error({ errorType: code, stage: 'audit', seq: verdict.seq }, message);
  } catch (error) {
    // The agent stopped (and closed the outbox) before the check finished.
    logger.debug({ err: describeError(error) }, 'The audit check at start did not finish.');
  }
}
