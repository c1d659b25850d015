/**
 * The one way every byte reaches the cloud (batches, files, heartbeat, token, enrollment and the
 * WebSocket tunnel): a route from the proxy rules, a CONNECT tunnel when that route is a proxy,
 * then TLS with the agent's trust, pins and client certificate. `dispatcher` serves undici;
 * `agentFor(url)` serves `ws` and anything else built on Node's http(s).Agent. A new transport is
 * built whenever the `cloud` config changes (agents/engine/cloud-link.ts), so TLS and proxy
 * settings apply without a restart; keychain secrets are read per new connection.
 */
import type * as http from 'node:http';
import https from 'node:https';
import { nodeHttp } from '../../pipeline/node-http.ts';
import net from 'node:net';
import tls from 'node:tls';
import { Agent } from './undici-agent.ts';
import type { Dispatcher } from 'undici';
import type { CloudTransportConfig } from '../../api/cloud-transport-config.ts';
import { ProxyRules, type Route } from './proxy-rules.ts';
import { openTunnel } from './proxy-tunnel.ts';
import { TransportError, transportFailureOf } from './transport-error.ts';
import { loadTrust, type ReadSecret, type Trust } from './trust.ts';

export interface CloudTransportOptions {
  config: CloudTransportConfig;
  /** Keychain reads (proxy password, client key passphrase). */
  readSecret: ReadSecret;
  /** The process environment by default: HTTPS_PROXY, HTTP_PROXY, NO_PROXY. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** No extra CA, no pins, no client certificate; the proxy from the environment. */
export const DEFAULT_TRANSPORT_CONFIG: CloudTransportConfig = { tls: {}, proxy: { mode: 'environment', noProxy: [] } };

export interface ConnectTarget {
  protocol: string;
  hostname: string;
  port: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class CloudTransport {
  readonly dispatcher: Dispatcher;
  readonly #rules: ProxyRules;
  readonly #options: CloudTransportOptions;
  readonly #timeoutMs: number;
  #trust: Promise<Trust> | undefined;

  constructor(options: CloudTransportOptions) {
    this.#options = options;
    this.#timeoutMs = Math.min(options.timeoutMs ?? 30_000, 30_000);
    this.#rules = new ProxyRules(options.config.proxy, options.env ?? process.env, options.readSecret);
    this.dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connections: 8,
      connectTimeout: this.#timeoutMs,
      ...(options.timeoutMs === undefined ? {} : { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs }),
      connect: (opts, callback) => {
        this.connect({ protocol: opts.protocol, hostname: opts.hostname, port: Number(opts.port) || defaultPort(opts.protocol) }).then(
          (socket) => callback(null, socket),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
        );
      },
    });
  }

  /** Where requests go, for status and doctor: "proxy http://proxy:3128 (cloud.proxy.url)" (no password). */
  describeProxy(): string {
    return this.#rules.describe();
  }

  /** The routes a request to `url` would take, in order (doctor shows them). */
  routesFor(url: string): Promise<Route[]> {
    return this.#rules.routesFor(new URL(url));
  }

  /**
   * A connected socket to the target: TLS verified (always) for https/wss, through a proxy when the
   * rules say so. Failures that retrying cannot fix are TransportErrors naming what to configure.
   */
  async connect(target: ConnectTarget): Promise<net.Socket> {
    const secure = target.protocol === 'https:' || target.protocol === 'wss:';
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!secure && !isLoopbackHost(host)) {
      throw new TransportError(
        'tls_untrusted',
        `Plain http:// to ${host} is refused: only a loopback sandbox may be reached without TLS.`,
        'Use an https:// cloud URL.',
      );
    }
    const routes = await this.#rules.routesFor(new URL(`${secure ? 'https' : 'http'}://${target.hostname}:${target.port}/`));
    let lastError: unknown;
    for (const route of routes) {
      try {
        const raw = await this.#open(route, host, target.port);
        return secure ? await this.#secure(raw, host) : raw;
      } catch (error) {
        // A proxy that is down is worth trying the next route for; a refusal with a cause is not.
        if (transportFailureOf(error, host) !== undefined) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** A Node http(s).Agent whose connections go the same way (for `ws`): `new WebSocket(url, {agent})`. */
  agentFor(url: string): http.Agent {
    const protocol = new URL(url).protocol;
    const secure = protocol === 'https:' || protocol === 'wss:';
    const connectVia = (options: { host?: string | null; hostname?: string | null; port?: number | string | null }, callback: (error: Error | null, socket?: net.Socket) => void): undefined => {
      const hostname = options.hostname ?? options.host ?? 'localhost';
      this.connect({ protocol, hostname, port: Number(options.port) || (secure ? 443 : 80) }).then(
        (socket) => callback(null, socket),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
      return undefined;
    };
    const AgentClass = secure ? https.Agent : nodeHttp.Agent;
    const agent = new AgentClass({ keepAlive: false });
    // Node's Agent accepts a socket passed to the callback later (async createConnection).
    (agent as unknown as { createConnection: typeof connectVia }).createConnection = connectVia;
    return agent;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  async #open(route: Route, host: string, port: number): Promise<net.Socket> {
    if (route.type === 'proxy') {
      return openTunnel({
        proxyHost: route.host,
        proxyPort: route.port,
        targetHost: host,
        targetPort: port,
        ...(route.credentials === undefined ? {} : { credentials: route.credentials }),
        timeoutMs: this.#timeoutMs,
      });
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setTimeout(this.#timeoutMs, () => {
        const error = new Error(`connecting to ${host}:${port} timed out`);
        (error as NodeJS.ErrnoException).code = 'ETIMEDOUT';
        socket.destroy(error);
      });
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  async #secure(raw: net.Socket, host: string): Promise<tls.TLSSocket> {
    const trust = await this.#loadTrust();
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        socket: raw,
        host,
        // SNI carries names only (RFC 6066); an IP address is checked against the certificate's IP entries.
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
        secureContext: trust.secureContext,
        checkServerIdentity: trust.checkServerIdentity,
        rejectUnauthorized: true,
        ALPNProtocols: ['http/1.1'],
      });
      socket.once('secureConnect', () => {
        socket.off('error', onError);
        keepTlsRefusal(socket, host);
        resolve(socket);
      });
      const onError = (error: Error): void => {
        raw.destroy();
        reject(transportFailureOf(error, host) ?? error);
      };
      socket.once('error', onError);
    });
  }

  /** Read once per transport; a failure (say, a passphrase not stored yet) is tried again next time. */
  #loadTrust(): Promise<Trust> {
    if (this.#trust === undefined) {
      const loading = loadTrust(this.#options.config.tls, this.#options.readSecret);
      this.#trust = loading;
      loading.catch(() => {
        if (this.#trust === loading) this.#trust = undefined;
      });
    }
    return this.#trust;
  }
}

/**
 * TLS 1.3 refuses a missing client certificate only after the handshake, with alert 116, which
 * arrives as an 'error' followed by 'end'; undici then destroys the socket with "other side closed"
 * and that later error replaces the alert. Keeping the alert as the socket's destroy reason lets
 * the request fail with the cause a person can act on.
 */
function keepTlsRefusal(socket: tls.TLSSocket, host: string): void {
  let refusal: Error | undefined;
  socket.on('error', (error) => {
    refusal ??= transportFailureOf(error, host);
  });
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (error?: Error) => destroy(refusal ?? error);
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' || protocol === 'wss:' ? 443 : 80;
}
