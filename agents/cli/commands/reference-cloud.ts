/**
 * The signed cloud client for `reference refresh`, built from the enrollment in the outbox and the
 * secrets in the installation's vault (as `service uninstall` does for its unregistration).
 */
import type { CloudClient } from '../../delivery/index.ts';
import { enrolledCloudClient } from '../../delivery/enrolled-client.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { readStoredEnrollment } from '../stored-enrollment.ts';

export interface ReferenceCloud {
  client: CloudClient;
  close(): Promise<void>;
}

export function openReferenceCloud(loaded: LoadedConfig): ReferenceCloud {
  const enrollment = readStoredEnrollment(loaded.dataDir);
  if (enrollment === null || enrollment === 'no-outbox') {
    throw new CliError(ExitCode.notEnrolled, 'not_enrolled', 'This agent is not enrolled, so it cannot fetch reference lists.', {
      hint: 'Run "tya-agent enroll --url URL" first (README, "Enroll").',
    });
  }
  const { client, transport } = enrolledCloudClient({
    enrollment,
    cloud: loaded.config.cloud,
    secrets: installationSecretStore(loaded.config, loaded.dataDir),
    clock: systemClock,
    agentVersion: AGENT_VERSION,
    missingSecret: (ref) =>
      new CliError(ExitCode.notEnrolled, 'credentials_missing', `The cloud credentials (${ref}) are not in the vault.`, {
        hint: 'Enroll the agent again ("tya-agent enroll").',
      }),
  });
  return {
    client,
    close: async () => {
      await client.close();
      await transport.close();
    },
  };
}
