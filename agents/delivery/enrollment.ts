/**
 * Enrollment (cloud-api.md § Authentication 1): trade a one-time key for an identity. The secrets go
 * into the keychain first; only when they are safely there does the outbox learn the agent's id.
 * So a failure at any step leaves either a complete enrollment or none, never an agent id whose
 * secrets are missing.
 */
import type { EnrollResponse } from '../api/cloud.ts';
import type { CloudTransportConfig } from '../api/cloud-transport-config.ts';
import type { Clock } from '../pipeline/clock.ts';
import { isoNow, systemClock } from '../pipeline/clock.ts';
import { AgentError, PermanentError, describeError } from '../pipeline/errors.ts';
import { SecretRefs } from '../vault/secret-store.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import type { AuditRecorder } from '../outbox/audit-log.ts';
import type { FailureOutcome } from './classify.ts';
import { CloudClient } from './cloud-client.ts';
import { CloudTransport, DEFAULT_TRANSPORT_CONFIG } from './transport/cloud-transport.ts';

/** The part of the outbox enrollment uses: its key/value state table. */
export interface EnrollmentStateStore {
  getState(key: string): string | null | undefined;
  setState(key: string, value: string): void;
  deleteState(key: string): void;
  /** The cloud's seq floors (enrollment carries them): the change clock never numbers below them. */
  raiseSeqFloors?(floors: Readonly<Record<string, number>>): void;
  /** The audit log (the outbox's): enrollment, rotation and revocation are security events. */
  readonly audit?: AuditRecorder;
}

export const EnrollmentKeys = {
  agentId: 'enrollment.agentId',
  clientId: 'enrollment.clientId',
  cloudUrl: 'enrollment.cloudUrl',
  enrolledAt: 'enrollment.enrolledAt',
  cloudKey: 'enrollment.cloudKey',
  entities: 'enrollment.entities',
} as const;

export interface Enrollment {
  agentId: string;
  clientId: string;
  cloudUrl: string;
  enrolledAt: string;
  /** The cloud's Ed25519 public key (base64 DER); commands signed with another key are refused. */
  cloudKey?: string;
  /** The entities this agent may send for. */
  entities?: string[];
}

/** How often enrollment is tried when the answer is lost on the way: the cloud answers a retry from the same host alike. */
const ENROLL_ATTEMPTS = 3;

export interface EnrollAgentOptions {
  url: string;
  enrollmentKey: string;
  name: string;
  hostname: string;
  version: string;
  secrets: SecretStore;
  outbox: EnrollmentStateStore;
  clock?: Clock;
  timeoutMs?: number;
  /** TLS and proxy settings (`cloud.tls`, `cloud.proxy`): enrollment goes the way delivery will. */
  transport?: CloudTransportConfig;
}

export async function enrollAgent(options: EnrollAgentOptions): Promise<Enrollment> {
  const clock = options.clock ?? systemClock;
  // An enrollment key works once: find out the keychain is broken BEFORE spending it.
  await options.secrets.probe();
  let result: Awaited<ReturnType<typeof CloudClient.enroll>>;
  const transport = new CloudTransport({
    config: options.transport ?? DEFAULT_TRANSPORT_CONFIG,
    readSecret: (ref) => options.secrets.get(ref),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  try {
    for (let attempt = 1; ; attempt++) {
      result = await CloudClient.enroll(
        options.url,
        {
          enrollmentKey: options.enrollmentKey,
          name: options.name,
          hostname: options.hostname,
          version: options.version,
        },
        {
          agentVersion: options.version,
          clock,
          dispatcher: transport.dispatcher,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        },
      );
      // A lost answer (timeout, reset) may mean the key was spent: asking again from the same host
      // within 10 minutes gets the same answer (cloud-api.md § Authentication 1).
      if (result.ok || !isLostAnswer(result.outcome) || attempt >= ENROLL_ATTEMPTS) break;
      await clock.sleep(1000 * attempt);
    }
  } finally {
    await transport.close();
  }
  if (!result.ok) throw enrollmentError(result.outcome, options.url);
  await storeSecrets(options.secrets, result.value);

  const enrollment: Enrollment = {
    agentId: result.value.agentId,
    clientId: result.value.clientId,
    cloudUrl: options.url,
    enrolledAt: isoNow(clock),
    cloudKey: result.value.cloudKey,
    entities: result.value.entities,
  };
  await options.secrets.set(SecretRefs.identity, JSON.stringify(enrollment));
  // agentId is the marker readEnrollment looks for: removed first and written last, so a crash
  // in between reads as "not enrolled" rather than as a mix of two identities.
  options.outbox.deleteState(EnrollmentKeys.agentId);
  options.outbox.setState(EnrollmentKeys.clientId, enrollment.clientId);
  options.outbox.setState(EnrollmentKeys.cloudUrl, enrollment.cloudUrl);
  options.outbox.setState(EnrollmentKeys.enrolledAt, enrollment.enrolledAt);
  options.outbox.setState(EnrollmentKeys.cloudKey, result.value.cloudKey);
  options.outbox.setState(EnrollmentKeys.entities, JSON.stringify(result.value.entities));
  options.outbox.raiseSeqFloors?.(result.value.seqFloors);
  options.outbox.setState(EnrollmentKeys.agentId, enrollment.agentId);
  options.outbox.audit?.record({ event: 'enrolled', subject: enrollment.agentId, details: { cloudUrl: enrollment.cloudUrl, name: options.name } });
  return enrollment;
}

function isLostAnswer(outcome: FailureOutcome): boolean {
  return outcome.kind === 'retry' && ['network_error', 'timeout', 'bad_response'].includes(outcome.error.code);
}

/** The stored enrollment, or null when this agent was never (completely) enrolled. */
export function readEnrollment(outbox: EnrollmentStateStore): Enrollment | null {
  const agentId = outbox.getState(EnrollmentKeys.agentId);
  const clientId = outbox.getState(EnrollmentKeys.clientId);
  const cloudUrl = outbox.getState(EnrollmentKeys.cloudUrl);
  const enrolledAt = outbox.getState(EnrollmentKeys.enrolledAt);
  if (!agentId || !clientId || !cloudUrl || !enrolledAt) return null;
  const enrollment: Enrollment = { agentId, clientId, cloudUrl, enrolledAt };
  const cloudKey = outbox.getState(EnrollmentKeys.cloudKey);
  if (cloudKey) enrollment.cloudKey = cloudKey;
  const entities = outbox.getState(EnrollmentKeys.entities);
  if (entities) enrollment.entities = JSON.parse(entities) as string[];
  return enrollment;
}

/**
 * Puts the enrollment back into a fresh outbox from the keychain (after a corrupt outbox was moved
 * aside, or a data dir restored without its queue). Returns the restored enrollment, or null.
 */
export async function restoreEnrollment(
  secrets: SecretStore,
  outbox: EnrollmentStateStore,
): Promise<Enrollment | null> {
  if (readEnrollment(outbox) !== null) return null;
  const stored = await secrets.get(SecretRefs.identity);
  if (stored === undefined || (await secrets.get(SecretRefs.clientSecret)) === undefined) return null;
  const identity = JSON.parse(stored) as Enrollment;
  outbox.setState(EnrollmentKeys.clientId, identity.clientId);
  outbox.setState(EnrollmentKeys.cloudUrl, identity.cloudUrl);
  outbox.setState(EnrollmentKeys.enrolledAt, identity.enrolledAt);
  if (identity.cloudKey !== undefined) outbox.setState(EnrollmentKeys.cloudKey, identity.cloudKey);
  if (identity.entities !== undefined) outbox.setState(EnrollmentKeys.entities, JSON.stringify(identity.entities));
  outbox.setState(EnrollmentKeys.agentId, identity.agentId);
  return identity;
}

/** Forgets the identity (the `revoke` command): secrets out of the keychain, ids out of the outbox. */
export async function forgetEnrollment(secrets: SecretStore, outbox: EnrollmentStateStore): Promise<void> {
  outbox.audit?.record({ event: 'revoked', subject: outbox.getState(EnrollmentKeys.agentId) ?? 'not enrolled', details: { credentialsWiped: true } });
  outbox.deleteState(EnrollmentKeys.agentId);
  for (const key of [
    EnrollmentKeys.clientId,
    EnrollmentKeys.cloudUrl,
    EnrollmentKeys.enrolledAt,
    EnrollmentKeys.cloudKey,
    EnrollmentKeys.entities,
  ])
    outbox.deleteState(key);
  for (const ref of Object.values(SecretRefs)) await secrets.delete(ref);
}

async function storeSecrets(secrets: SecretStore, response: EnrollResponse): Promise<void> {
  try {
    await secrets.set(SecretRefs.clientSecret, response.clientSecret);
    await secrets.set(SecretRefs.signingSecret, response.signingSecret);
  } catch (error) {
    // Half a pair of secrets is worse than none: it looks enrolled to nobody but confuses a retry.
    await secrets.delete(SecretRefs.clientSecret).catch(() => false);
    await secrets.delete(SecretRefs.signingSecret).catch(() => false);
    throw new AgentError(
      'keychain_failed',
      `Enrolled with the cloud, but the OS keychain did not keep the secrets (${describeError(error).message}); ` +
        'the agent is not enrolled.',
      { hint: 'Fix the keychain (tya-agent doctor), then enroll again with a new enrollment key.', cause: error },
    );
  }
}

function enrollmentError(outcome: FailureOutcome, url: string): AgentError {
  if (outcome.kind === 'retry' && (outcome.error.code === 'network_error' || outcome.error.code === 'timeout')) {
    return new AgentError('cloud_unreachable', outcome.error.message, {
      hint: 'Check the URL, the network and any proxy, then try again; the enrollment key was not used.',
    });
  }
  const error = 'error' in outcome ? outcome.error : undefined;
  if (error?.status === 409) {
    return new PermanentError('enrollment_key_used', 'This enrollment key was already used; ask for a new one.');
  }
  if (error?.status === 401) {
    return new PermanentError('unknown_enrollment_key', 'Unknown enrollment key: the cloud does not know it.', {
      hint: 'Check that the key was copied whole and is meant for this cloud URL.',
    });
  }
  if (outcome.kind === 'upgrade-required') {
    return new PermanentError(
      'upgrade_required',
      'The cloud no longer accepts this agent version; install the current one.',
    );
  }
  const detail = error === undefined ? 'the request was too large' : `${error.message} (${error.code})`;
  return new AgentError('enrollment_failed', `Enrollment at ${url} failed: ${detail}`);
}
