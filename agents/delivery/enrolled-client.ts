/**
 * The signed cloud client of an enrolled agent, built one way for every caller (the running
 * agent's delivery, `reference refresh`, `service uninstall`): the enrollment names the cloud and
 * the identity, the vault holds the secrets (read per request, so a rotation applies at once), and
 * the one transport carries the agent's TLS and proxy settings.
 */
import type { CloudTransportConfig } from '../api/cloud-transport-config.ts';
import type { Clock } from '../pipeline/clock.ts';
import { SecretRefs } from '../vault/secret-store.ts';
import { CloudClient, type CloudClientOptions } from './cloud-client.ts';
import type { Enrollment } from './enrollment.ts';
import { CloudTransport } from './transport/cloud-transport.ts';

export interface EnrolledClientOptions {
  enrollment: Enrollment;
  cloud: CloudTransportConfig & { timeoutMs: number };
  secrets: { get(ref: string): Promise<string | undefined> };
  clock: Clock;
  agentVersion: string;
  /** The error to throw when a credential is not in the vault (each caller says what to do). */
  missingSecret: (ref: string) => Error;
  /** The running agent's listeners: seq floors, clock skew, deprecation. */
  listeners?: Pick<CloudClientOptions, 'onSeqFloors' | 'onClockSkew' | 'onDeprecation'>;
}

export function enrolledCloudClient(options: EnrolledClientOptions): { client: CloudClient; transport: CloudTransport } {
  const { enrollment, cloud, secrets } = options;
  const requireSecret = async (ref: string): Promise<string> => {
    const value = await secrets.get(ref);
    if (value === undefined) throw options.missingSecret(ref);
    return value;
  };
  const transport = new CloudTransport({ config: cloud, readSecret: (ref) => secrets.get(ref), timeoutMs: cloud.timeoutMs });
  const client = new CloudClient({
    baseUrl: enrollment.cloudUrl,
    agentVersion: options.agentVersion,
    timeoutMs: cloud.timeoutMs,
    dispatcher: transport.dispatcher,
    clock: options.clock,
    credentials: {
      agentId: enrollment.agentId,
      clientId: enrollment.clientId,
      getClientSecret: () => requireSecret(SecretRefs.clientSecret),
      getSigningSecret: () => requireSecret(SecretRefs.signingSecret),
    },
    ...options.listeners,
  });
  return { client, transport };
}
