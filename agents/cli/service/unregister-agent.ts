/**
 * `DELETE /v1/agents/{id}` for an uninstall (cloud-api.md §Authentication 6): the agent's sources
 * become free for another agent. Signed with the credentials in the installation's vault, then those
 * credentials are removed (they are worthless once the cloud has forgotten the agent).
 */
import { existsSync } from 'node:fs';
import { CloudClient, readEnrollment } from '../../delivery/index.ts';
import { CloudTransport } from '../../delivery/transport/cloud-transport.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { Outbox } from '../../outbox/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { SecretRefs } from '../../vault/index.ts';

export type UnregisterOutcome = { unregistered: true; agentId: string; cloudUrl: string } | { unregistered: false; reason: string };

export async function unregisterAgent(loaded: LoadedConfig): Promise<UnregisterOutcome> {
  const layout = dataDirLayout(loaded.dataDir);
  if (!existsSync(layout.outbox)) return { unregistered: false, reason: 'the agent never ran here (no outbox), so it was never enrolled' };
  const outbox = Outbox.openReadonly(layout.outbox, systemClock);
  const enrollment = (() => {
    try {
      return readEnrollment(outbox);
    } finally {
      outbox.close();
    }
  })();
  if (enrollment === null) return { unregistered: false, reason: 'the agent is not enrolled' };
  const secrets = installationSecretStore(loaded.config, loaded.dataDir);
  const require = async (ref: string): Promise<string> => {
    const value = await secrets.get(ref);
    if (value === undefined) {
      throw new AgentError('credentials_missing', `The cloud credentials (${ref}) are not in the vault, so the agent cannot sign its unregistration.`, {
        hint: `Remove the agent ${enrollment.agentId} in the portal instead, then run the uninstall again with --yes.`,
      });
    }
    return value;
  };
  const transport = new CloudTransport({ config: loaded.config.cloud, readSecret: (ref) => secrets.get(ref), timeoutMs: loaded.config.cloud.timeoutMs });
  const client = new CloudClient({
    baseUrl: enrollment.cloudUrl,
    agentVersion: AGENT_VERSION,
    timeoutMs: loaded.config.cloud.timeoutMs,
    dispatcher: transport.dispatcher,
    clock: systemClock,
    credentials: {
      agentId: enrollment.agentId,
      clientId: enrollment.clientId,
      getClientSecret: () => require(SecretRefs.clientSecret),
      getSigningSecret: () => require(SecretRefs.signingSecret),
    },
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
