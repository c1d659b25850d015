/**
 * `DELETE /v1/agents/{id}` for an uninstall (cloud-api.md §Authentication 6): the agent's sources
 * become free for another agent. Signed with the credentials in the installation's vault, then those
 * credentials are removed (they are worthless once the cloud has forgotten the agent).
 */
import { enrolledCloudClient } from '../../delivery/enrolled-client.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { readStoredEnrollment } from '../stored-enrollment.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { SecretRefs } from '../../vault/index.ts';

export type UnregisterOutcome = { unregistered: true; agentId: string; cloudUrl: string } | { unregistered: false; reason: string };

export async function unregisterAgent(loaded: LoadedConfig): Promise<UnregisterOutcome> {
  const enrollment = readStoredEnrollment(loaded.dataDir);
  if (enrollment === 'no-outbox') return { unregistered: false, reason: 'the agent never ran here (no outbox), so it was never enrolled' };
  if (enrollment === null) return { unregistered: false, reason: 'the agent is not enrolled' };
  const secrets = installationSecretStore(loaded.config, loaded.dataDir);
  const { client, transport } = enrolledCloudClient({
    enrollment,
    cloud: loaded.config.cloud,
    secrets,
    clock: systemClock,
    agentVersion: AGENT_VERSION,
    missingSecret: (ref) =>
      new AgentError('credentials_missing', `The cloud credentials (${ref}) are not in the vault, so the agent cannot sign its unregistration.`, {
        hint: `Remove the agent ${enrollment.agentId} in the portal instead, then run the uninstall again with --yes.`,
      }),
  });
  try {
    await client.unregister();
  } finally {
    await transport.close();
  }
  for (const ref of [SecretRefs.clientSecret, SecretRefs.signingSecret, SecretRefs.previousSigningSecret, SecretRefs.identity]) {
    await secrets.delete(ref);
  }
  return { unregistered: true, agentId: enrollment.agentId, cloudUrl: enrollment.cloudUrl };
}
