/**
 * An HTTP CONNECT tunnel through a proxy (RFC 9110 §9.3.6), Basic authentication included. A 407
 * names what the proxy wants: Basic without (or with wrong) credentials is a configuration to fix;
 * NTLM, Negotiate or Kerberos are recognised and the error says so, since no maintained NTLM
 * library is available to the agent (docs/network.md explains the usual way around it).
 */
import net from 'node:net';
import { TransportError } from './transport-error.ts';

export interface TunnelRequest {
  proxyHost: string;
  proxyPort: number;
  targetHost: string;
  targetPort: number;
  /** `user:password` for Basic, when configured. */
  credentials?: { username: string; password: string };
  timeoutMs: number;
}

/** The proxy's answer head is small; anything bigger is not a proxy we understand. */
const MAX_HEAD_BYTES = 16 * 1024;

/** Opens the tunnel; resolves with a socket that carries bytes to the target as if connected directly. */
export function openTunnel(request: TunnelRequest): Promise<net.Socket> {
  const { proxyHost, proxyPort, targetHost, targetPort } = request;
  const authority = `${targetHost.includes(':') ? `[${targetHost}]` : targetHost}:${targetPort}`;
  const proxyName = `${proxyHost}:${proxyPort}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxyHost, port: proxyPort });
    let head = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(request.timeoutMs, () => {
      const error = new Error(`the proxy ${proxyName} did not open a tunnel within ${request.timeoutMs} ms`);
      (error as NodeJS.ErrnoException).code = 'ETIMEDOUT';
      fail(error);
    });
    socket.once('error', (error) => fail(withProxyName(error, proxyName)));
    socket.once('connect', () => {
      const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
      if (request.credentials !== undefined) {
        const token = Buffer.from(`${request.credentials.username}:${request.credentials.password}`, 'utf8').toString('base64');
        lines.push(`Proxy-Authorization: Basic ${token}`);
      }
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) fail(new Error(`the proxy ${proxyName} sent an answer that is not HTTP`));
        return;
      }
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.removeAllListeners('error');
      const rest = head.subarray(end + 4);
      const answer = parseHead(head.subarray(0, end).toString('latin1'));
      if (answer.status === 200) {
        if (rest.length > 0) socket.unshift(rest);
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(tunnelRefusal(answer, request, proxyName, authority));
    };
    socket.on('data', onData);
  });
}

interface Head {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
}

function parseHead(text: string): Head {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(statusLine);
  const headers = lines
    .map((line) => line.indexOf(':'))
    .map((colon, i) => [lines[i]!.slice(0, colon).trim().toLowerCase(), lines[i]!.slice(colon + 1).trim()] as [string, string]);
  return { status: match === null ? 0 : Number(match[1]), reason: match?.[2] ?? statusLine, headers };
}

/** The authentication schemes a 407 offers, e.g. `["NTLM", "Negotiate"]`. */
export function offeredSchemes(headers: ReadonlyArray<[string, string]>): string[] {
  return headers
    .filter(([name]) => name === 'proxy-authenticate')
    .flatMap(([, value]) => value.split(/,(?=\s*[A-Za-z-]+(?:\s|$))/))
    .map((v) => v.trim().split(/\s+/)[0] ?? '')
    .filter((scheme) => scheme !== '' && !scheme.includes('='));
}

function tunnelRefusal(answer: Head, request: TunnelRequest, proxyName: string, authority: string): Error {
  if (answer.status === 407) {
    const schemes = offeredSchemes(answer.headers);
    const basic = schemes.some((s) => s.toLowerCase() === 'basic');
    if (!basic && schemes.length > 0) {
      return new TransportError(
        'proxy_auth_unsupported',
        `The proxy ${proxyName} asks for ${schemes.join(' or ')} authentication, which this agent cannot do (no maintained NTLM/Kerberos library is available to it).`,
        'Ask the proxy\'s administrators to let this server reach the cloud without authentication (an allow rule for its address or for the cloud\'s host), or to offer Basic authentication, then set cloud.proxy.username and the password (tya-agent secret set REF); or point cloud.proxy.url at a local authenticating relay such as Cntlm or Px.',
      );
    }
    if (request.credentials !== undefined) {
      return new TransportError(
        'proxy_auth_failed',
        `The proxy ${proxyName} refused the user name "${request.credentials.username}" and its password (HTTP 407).`,
        'Check cloud.proxy.username and store the right password in the keychain under cloud.proxy.password\'s secretRef (tya-agent secret set REF).',
      );
    }
    return new TransportError(
      'proxy_auth_required',
      `The proxy ${proxyName} wants a login (HTTP 407${schemes.length > 0 ? `, ${schemes.join(', ')}` : ''}).`,
      'Set cloud.proxy.username in the config and store the password in the keychain under the secretRef of cloud.proxy.password (tya-agent secret set REF).',
    );
  }
  if (answer.status === 403 || answer.status === 405) {
    return new TransportError(
      'proxy_refused',
      `The proxy ${proxyName} does not allow tunnels to ${authority} (HTTP ${answer.status} ${answer.reason}).`,
      'Ask the proxy\'s administrators to allow CONNECT to the cloud\'s host and port, or list the host in cloud.proxy.noProxy if it is reachable directly.',
    );
  }
  // 502/503/504 and others: the proxy could not reach the cloud right now; worth retrying.
  const error = new Error(`the proxy ${proxyName} could not open a tunnel to ${authority} (HTTP ${answer.status} ${answer.reason})`);
  (error as NodeJS.ErrnoException).code = 'EPROXY';
  return error;
}

function withProxyName(error: Error, proxyName: string): Error {
  const wrapped = new Error(`the proxy ${proxyName} cannot be reached: ${error.message}`, { cause: error });
  (wrapped as NodeJS.ErrnoException).code = (error as NodeJS.ErrnoException).code;
  return wrapped;
}
