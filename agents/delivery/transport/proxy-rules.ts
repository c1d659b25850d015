/**
 * Which way a request to the cloud goes: directly, or through which proxy, with which login. From
 * `cloud.proxy` (manual URL, PAC file, or explicitly direct) or, by default, from the environment
 * the service was started with (HTTPS_PROXY, HTTP_PROXY, NO_PROXY and their lower-case forms).
 * `cloud.proxy.noProxy` and NO_PROXY always apply first. Proxy passwords are read from the keychain
 * for each new connection, so a changed password is used without a restart.
 */
import { readFile } from 'node:fs/promises';
import type { CloudProxyConfig } from '../../api/cloud-transport-config.ts';
import { NoProxyList } from './no-proxy.ts';
import { PacScript, type PacRoute } from './pac.ts';
import { TransportError } from './transport-error.ts';
import type { ReadSecret } from './trust.ts';

export type Route =
  | { type: 'direct' }
  | { type: 'proxy'; host: string; port: number; credentials?: { username: string; password: string } };

/** A fetched PAC file is used this long before it is fetched again. */
const PAC_REFRESH_MS = 5 * 60_000;

export class ProxyRules {
  readonly #config: CloudProxyConfig;
  readonly #env: NodeJS.ProcessEnv;
  readonly #readSecret: ReadSecret;
  readonly #noProxy: NoProxyList;
  #pac: { script: PacScript; loadedAt: number } | undefined;

  constructor(config: CloudProxyConfig, env: NodeJS.ProcessEnv, readSecret: ReadSecret) {
    this.#config = config;
    this.#env = env;
    this.#readSecret = readSecret;
    const fromEnv = config.mode === 'direct' ? [] : [envValue(env, 'NO_PROXY') ?? ''];
    this.#noProxy = new NoProxyList([...config.noProxy, ...fromEnv]);
  }

  /** The routes to try for `url`, in order (a PAC file may name fallbacks). */
  async routesFor(url: URL): Promise<Route[]> {
    const port = Number(url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80));
    if (this.#config.mode === 'direct' || this.#noProxy.matches(url.hostname, port)) return [{ type: 'direct' }];
    switch (this.#config.mode) {
      case 'manual':
        return [await this.#proxyRoute(this.#config.url ?? '')];
      case 'pac': {
        const routes = await this.#pacRoutes(url);
        const withLogins: Route[] = [];
        for (const r of routes) withLogins.push(r.type === 'direct' ? r : await this.#withCredentials({ ...r }));
        return withLogins;
      }
      case 'environment': {
        // As Go's ProxyFromEnvironment: a loopback sandbox is never sent to an office proxy the service inherited.
        if (isLoopbackName(url.hostname)) return [{ type: 'direct' }];
        const secure = url.protocol === 'https:' || url.protocol === 'wss:';
        const raw = secure
          ? (envValue(this.#env, 'HTTPS_PROXY') ?? envValue(this.#env, 'HTTP_PROXY'))
          : envValue(this.#env, 'HTTP_PROXY');
        return raw === undefined || raw === '' ? [{ type: 'direct' }] : [await this.#proxyRoute(raw)];
      }
    }
  }

  /** Where the proxy settings come from, for status and doctor (never a password). */
  describe(): string {
    switch (this.#config.mode) {
      case 'direct':
        return 'no proxy (cloud.proxy.mode "direct")';
      case 'manual':
        return `proxy ${this.#config.url ?? ''} (cloud.proxy.url)`;
      case 'pac':
        return `PAC file ${this.#config.pacUrl ?? ''} (cloud.proxy.pacUrl)`;
      case 'environment': {
        const raw = envValue(this.#env, 'HTTPS_PROXY') ?? envValue(this.#env, 'HTTP_PROXY');
        return raw === undefined || raw === '' ? 'no proxy (none in the environment)' : `proxy ${redactUrl(raw)} (HTTPS_PROXY/HTTP_PROXY)`;
      }
    }
  }

  async #proxyRoute(raw: string): Promise<Route> {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
    if (!URL.canParse(withScheme) || new URL(withScheme).protocol !== 'http:') {
      throw new TransportError(
        'proxy_refused',
        `The proxy address ${redactUrl(raw)} is not an http:// proxy this agent can use.`,
        'Give an HTTP proxy that supports CONNECT, e.g. http://proxy.example.com:3128 (cloud.proxy.url or HTTPS_PROXY).',
      );
    }
    const proxy = new URL(withScheme);
    const route: Route = { type: 'proxy', host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80) };
    // Credentials in an environment URL are the environment's business; the config's come from the keychain.
    if (proxy.username !== '') {
      return {
        ...route,
        credentials: { username: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) },
      };
    }
    return this.#withCredentials(route);
  }

  async #withCredentials<T extends Route & { type: 'proxy' }>(route: T): Promise<Route> {
    const { username, password } = this.#config;
    if (username === undefined || password === undefined) return route;
    const value = await this.#readSecret(password.secretRef);
    if (value === undefined) {
      throw new TransportError(
        'proxy_auth_required',
        `The proxy password is not in the keychain under "${password.secretRef}" (cloud.proxy.password).`,
        `Store it with: tya-agent secret set ${password.secretRef} (or in the dashboard's settings, credentials).`,
      );
    }
    return { ...route, credentials: { username, password: value } };
  }

  async #pacRoutes(url: URL): Promise<PacRoute[]> {
    const script = await this.#pacScript();
    try {
      return await script.routesFor(url);
    } catch (error) {
      throw new TransportError(
        'pac_failed',
        `The PAC file ${this.#config.pacUrl ?? ''} (cloud.proxy.pacUrl) failed to choose a proxy for ${url.host}: ${(error as Error).message}.`,
        'Fix FindProxyForURL in the PAC file (it must answer within 1 s), or set cloud.proxy.mode to "manual" with cloud.proxy.url.',
        { cause: error },
      );
    }
  }

  async #pacScript(): Promise<PacScript> {
    const now = Date.now();
    if (this.#pac !== undefined && now - this.#pac.loadedAt < PAC_REFRESH_MS) return this.#pac.script;
    const location = this.#config.pacUrl ?? '';
    try {
      const script = new PacScript(await readPac(location));
      this.#pac = { script, loadedAt: now };
      return script;
    } catch (error) {
      // A PAC server that is briefly away: keep using the file fetched last.
      if (this.#pac !== undefined) return this.#pac.script;
      throw new TransportError(
        'pac_failed',
        `The PAC file ${location} (cloud.proxy.pacUrl) cannot be used: ${(error as Error).message}.`,
        'Check the PAC address (an http(s):// URL, a file:// URL or a path) and that the file defines FindProxyForURL; or set cloud.proxy.mode to "manual" with cloud.proxy.url.',
        { cause: error },
      );
    }
  }
}

async function readPac(location: string): Promise<string> {
  if (/^https?:\/\//i.test(location)) {
    // Fetched directly: the PAC file says which proxy to use, so it cannot itself need one.
    const response = await fetch(location, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.text();
  }
  const file = location.startsWith('file://') ? new URL(location) : location;
  return readFile(file, 'utf8');
}

function isLoopbackName(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name] ?? env[name.toLowerCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A proxy URL without its password, for messages. */
export function redactUrl(raw: string): string {
  if (!URL.canParse(raw)) return raw.replace(/\/\/[^@/]*@/, '//');
  const url = new URL(raw);
  url.password = '';
  url.username = '';
  return url.href.replace(/\/$/, '');
}
