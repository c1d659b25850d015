/**
 * Doctor's look at the way to the cloud: the cloud probed through the agent's own transport (its
 * proxy, trust, pins and client certificate), so a TLS or proxy problem is reported with the same
 * words delivery would use: an untrusted CA, a pin, a client certificate, a proxy asking for a login
 * or for NTLM/Kerberos, each with what to configure.
 */
import type { CloudConfig } from '../../api/config.ts';
import { CloudTransport } from '../../delivery/transport/cloud-transport.ts';
import { transportFailureOf } from '../../delivery/transport/transport-error.ts';
import type { SecretStore } from '../../vault/index.ts';
import type { Finding } from './doctor-checks.ts';
import { cloudFindings, probeCloud } from './doctor-checks.ts';

export async function checkCloudConnection(
  cloud: CloudConfig,
  secrets: Pick<SecretStore, 'get'>,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Finding[]> {
  const transport = new CloudTransport({ config: cloud, readSecret: (ref) => secrets.get(ref), env, timeoutMs });
  try {
    const route = `Route to the cloud: ${transport.describeProxy()}.`;
    const probe = await probeCloud(cloud.url, timeoutMs, Date.now, transport.dispatcher).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    if (probe instanceof Error) {
      const failure = transportFailureOf(probe, new URL(cloud.url).host);
      if (failure !== undefined) {
        return [
          { status: 'fail', text: `The cloud ${cloud.url} could not be reached (${failure.code}): ${failure.message}`, detail: [route] },
          { status: 'skip', text: 'Clock not compared with the cloud (it could not be reached).' },
        ];
      }
    }
    const findings = cloudFindings(cloud.url, probe, env);
    const [first, ...rest] = findings;
    return first === undefined ? findings : [{ ...first, detail: [route, ...(first.detail ?? [])] }, ...rest];
  } finally {
    await transport.close();
  }
}
