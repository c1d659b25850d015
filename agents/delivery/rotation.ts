/**
 * Credential rotation (cloud-api.md § Authentication 4, the `rotate-credentials` command). The cloud
 * forgets the old client secret the moment it answers, so the new secrets must land in the
 * keychain: the keychain is proven writable first, and the old signing secret is kept as the
 * previous one, which the cloud still accepts for 24 hours.
 */
import type { RotateResponse } from '../api/cloud.ts';
import { AgentError, describeError } from '../pipeline/errors.ts';
import { SecretRefs } from '../vault/secret-store.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import type { RequestOptions } from './cloud-client.ts';

export interface RotatingClient {
  rotateCredentials(options?: RequestOptions): Promise<RotateResponse>;
}

export async function rotateCredentials(options: { client: RotatingClient; secrets: SecretStore }): Promise<void> {
  const { client, secrets } = options;
  await secrets.probe();
  const previousSigningSecret = await secrets.get(SecretRefs.signingSecret);
  const rotated = await client.rotateCredentials();
  try {
    if (previousSigningSecret !== undefined) await secrets.set(SecretRefs.previousSigningSecret, previousSigningSecret);
    await secrets.set(SecretRefs.clientSecret, rotated.clientSecret);
    await secrets.set(SecretRefs.signingSecret, rotated.signingSecret);
  } catch (error) {
    throw new AgentError(
      'keychain_failed',
      `The cloud rotated this agent's credentials, but the OS keychain did not keep the new ones (${describeError(error).message}).`,
      {
        hint: 'Fix the keychain (tya-agent doctor), then enroll the agent again with a new enrollment key.',
        cause: error,
      },
    );
  }
}
