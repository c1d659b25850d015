/**
 * Credential rotation (cloud-api.md § Authentication 4, the `rotate-credentials` command). The cloud
 * forgets the old client secret the moment it answers, so the new secrets must land in the
 * keychain: the keychain is proven writable first, and the old signing secret is kept as the
 * previous one, which the cloud still accepts for 24 hours.
 */
import { ulid } from 'ulid';
import type { RotateResponse } from '../api/cloud.ts';
import { AgentError, describeError } from '../pipeline/errors.ts';
import { SecretRefs } from '../vault/secret-store.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import type { RequestOptions } from './cloud-client.ts';
import type { EnrollmentStateStore } from './enrollment.ts';

export interface RotatingClient {
  rotateCredentials(idempotencyKey: string, options?: RequestOptions): Promise<RotateResponse>;
}

/**
 * Where the rotation's Idempotency-Key waits until the new secrets are in the keychain: an agent that
 * crashed between the cloud's answer and the keychain write asks again with the same key and gets
 * the same secrets (cloud-api.md § Authentication 4).
 */
const PENDING_ROTATION_KEY = 'rotation.idempotencyKey';

/**
 * A rotation the cloud answered whose secrets are not in the keychain yet (the keychain refused
 * them, or the agent died first). The cloud accepts the old signing secret for only 24 hours after
 * it answered, so such a rotation must be finished soon, whatever started it.
 */
export function rotationPending(state: Pick<EnrollmentStateStore, 'getState'>): boolean {
  return Boolean(state.getState(PENDING_ROTATION_KEY));
}

export async function rotateCredentials(options: {
  client: RotatingClient;
  secrets: SecretStore;
  state: Pick<EnrollmentStateStore, 'getState' | 'setState' | 'deleteState' | 'audit'>;
  /** Why, for the audit log. */
  reason?: 'command' | 'schedule';
}): Promise<void> {
  const { client, secrets, state } = options;
  await secrets.probe();
  const previousSigningSecret = await secrets.get(SecretRefs.signingSecret);
  let idempotencyKey = state.getState(PENDING_ROTATION_KEY);
  if (!idempotencyKey) {
    idempotencyKey = ulid();
    state.setState(PENDING_ROTATION_KEY, idempotencyKey);
  }
  const rotated = await client.rotateCredentials(idempotencyKey);
  try {
    if (previousSigningSecret !== undefined) await secrets.set(SecretRefs.previousSigningSecret, previousSigningSecret);
    await secrets.set(SecretRefs.clientSecret, rotated.clientSecret);
    await secrets.set(SecretRefs.signingSecret, rotated.signingSecret);
    state.deleteState(PENDING_ROTATION_KEY);
    state.audit?.record({ event: 'credentials-rotated', subject: `${SecretRefs.clientSecret}, ${SecretRefs.signingSecret}`, details: { reason: options.reason ?? 'command' } });
  } catch (error) {
    throw new AgentError(
      'keychain_failed',
      `The cloud rotated this agent's credentials, but the OS keychain did not keep the new ones (${describeError(error).message}).`,
      {
        hint: 'The current credentials keep working meanwhile. Fix the keychain (tya-agent doctor); the agent asks the cloud for the same new credentials again at its next hourly check and stores them. If it cannot within 24 hours, the cloud stops accepting its signatures: then enroll it again.',
        cause: error,
      },
    );
  }
}
