/**
 * Doctor's look at the way to the cloud: the cloud probed through the agent's own transport (its
 * proxy, trust, pins and client certificate), so a TLS or proxy problem is reported with the same
 * words delivery would use: an untrusted CA, a pin, a client certificate, a proxy asking for a login
 * or for NTLM/Kerberos, each with what to configure.
 */
import type { CloudConfig } from '../../api/config.ts';
import { CloudTransport } from '../../delivery/transport/cloud-transport.ts';
import { TransportError, transportFailureOf } from '../../delivery/transport/transport-error.ts';
import { loadTrust, type ReadSecret } from '../../delivery/transport/trust.ts';
import type { SecretStore } from '../../vault/index.ts';
import type { Finding } from './doctor-checks.ts';
import { cloudFindings, probeCloud } from './doctor-checks.ts';

export async function checkCloudConnection(
  cloud: CloudConfig,
  secrets: Pick<SecretStore, 'get'>,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Finding[]> {
  const readSecret = (ref: string) => secrets.get(ref);
  const trust = await trustFinding(cloud, readSecret);
  const transport = new CloudTransport({ config: cloud, readSecret, env, timeoutMs });
  try {
    return [...(trust === undefined ? [] : [trust]), ...(await probeFindings(cloud, transport, timeoutMs, env))];
  } finally {
    await transport.close();
  }
}

/**
 * The CA file and client certificate are loaded even when the cloud URL is plain http (a sandbox):
 * a wrong path or passphrase shows here, before the switch to the real cloud.
 */
async function trustFinding(cloud: CloudConfig, readSecret: ReadSecret): Promise<Finding | undefined> {
  const { caFile, clientCert, pins } = cloud.tls;
  if (caFile === undefined && clientCert === undefined && pins === undefined) return undefined;
  const parts = [
    ...(caFile === undefined ? [] : [`CA file ${caFile}`]),
    ...(clientCert === undefined ? [] : [`client certificate ${clientCert}`]),
    ...(pins === undefined ? [] : [`${pins.length} pin${pins.length === 1 ? '' : 's'}`]),
  ];
  try {
    await loadTrust(cloud.tls, readSecret);
    return { status: 'ok', text: `TLS settings load: ${parts.join(', ')}.` };
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return { status: 'fail', text: `TLS settings (${error.code}): ${error.message}` };
  }
}

async function probeFindings(
  cloud: CloudConfig,
  transport: CloudTransport,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<Finding[]> {
  const route = `Route to the cloud: ${transport.describeProxy()}.`;
  const probe = await probeCloud(cloud.url, timeoutMs, Date.now, transport.dispatcher).catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
  if (probe instanceof Error) {
    const failure = transportFailureOf(probe, new URL(cloud.url).host);
    if (failure !== undefined) {
      return [
        {
          status: 'fail',
          text: `The cloud ${cloud.url} could not be reached (${failure.code}): ${failure.message}`,
          detail: [route],
        },
        { status: 'skip', text: 'Clock not compared with the cloud (it could not be reached).' },
      ];
    }
  }
  const findings = cloudFindings(cloud.url, probe, env);
  const [first, ...rest] = findings;
  return first === undefined ? findings : [{ ...first, detail: [route, ...(first.detail ?? [])] }, ...rest];
}
