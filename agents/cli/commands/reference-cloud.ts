/**
 * The signed cloud client for `reference refresh`, built from the enrollment in the outbox and the
 * secrets in the installation's vault (as `service uninstall` does for its unregistration).
 */
import { existsSync } from 'node:fs';
import { CloudClient, readEnrollment } from '../../delivery/index.ts';
import { CloudTransport } from '../../delivery/transport/cloud-transport.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { SecretRefs } from '../../vault/index.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

export interface ReferenceCloud {
  client: CloudClient;
  close(): Promise<void>;
}

export function openReferenceCloud(loaded: LoadedConfig): ReferenceCloud {
  const layout = dataDirLayout(loaded.dataDir);
  const notEnrolled = new CliError(ExitCode.notEnrolled, 'not_enrolled', 'This agent is not enrolled, so it cannot fetch reference lists.', {
    hint: 'Run "tya-agent enroll --url URL" first (README, "Enroll").',
  });
  if (!existsSync(layout.outbox)) throw notEnrolled;
  const outbox = Outbox.openReadonly(layout.outbox, systemClock);
  const enrollment = (() => {
    try {
      return readEnrollment(outbox);
    } finally {
      outbox.close();
    }
  })();
  if (enrollment === null) throw notEnrolled;
  const secrets = installationSecretStore(loaded.config, loaded.dataDir);
  const require = async (ref: string): Promise<string> => {
    const value = await secrets.get(ref);
    if (value === undefined) {
      throw new CliError(ExitCode.notEnrolled, 'credentials_missing', `The cloud credentials (${ref}) are not in the vault.`, {
        hint: 'Enroll the agent again ("tya-agent enroll").',
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
  return {
    client,
    close: async () => {
      await client.close();
      await transport.close();
    },
  };
}
