/**
 * The cloud transport over real TLS and real proxies on loopback (issue 12 items 3 and 4): the
 * certificates come from `openssl` (test/helpers/tls-certificates.ts), the proxy is a real CONNECT
 * proxy (test/helpers/connect-proxy.ts). Each refusal must carry the cause and what to configure,
 * and classify as a halt (not a silent retry).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { CloudProxySchema, CloudTlsSchema } from '../../agents/api/cloud-transport-config.ts';
import type { CloudTlsConfig } from '../../agents/api/cloud-transport-config.ts';
import { checkCloudConnection } from '../../agents/cli/commands/doctor-network.ts';
import { classifyNetworkError } from '../../agents/delivery/classify.ts';
import { describeHalt } from '../../agents/delivery/cloud-health.ts';
import { CloudTransport } from '../../agents/delivery/transport/cloud-transport.ts';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.ts';
import { makeTlsFiles, pem, type TlsFiles } from '../helpers/tls-certificates.ts';

const run = promisify(execFile);
let files: TlsFiles;
const servers: https.Server[] = [];
/** Every TCP socket the servers accepted: a refused TLS handshake leaves one that closeAllConnections does not know. */
const accepted = new Set<Socket>();

function track(server: https.Server): void {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    accepted.add(socket);
    socket.once('close', () => accepted.delete(socket));
  });
}
const proxies: ConnectProxy[] = [];

async function tlsServer(options: https.ServerOptions): Promise<string> {
  const server = https.createServer(options, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
  });
  track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function proxy(options: Parameters<typeof startConnectProxy>[0] = {}): Promise<ConnectProxy> {
  const started = await startConnectProxy(options);
  proxies.push(started);
  return started;
}

function transport(
  tls: Partial<CloudTlsConfig> = {},
  proxyConfig: Record<string, unknown> = { mode: 'direct' },
  secrets: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
): CloudTransport {
  return new CloudTransport({
    config: { tls: CloudTlsSchema.parse(tls), proxy: CloudProxySchema.parse(proxyConfig) },
    readSecret: (ref) => Promise.resolve(secrets[ref]),
    env,
    timeoutMs: 5000,
  });
}

/** GET through the transport: the status, or the error the request failed with. */
async function get(t: CloudTransport, url: string): Promise<number | Error> {
  try {
    const response = await request(url, { dispatcher: t.dispatcher });
    await response.body.dump();
    return response.statusCode;
  } catch (error) {
    return error as Error;
  } finally {
    await t.close();
  }
}

/** What delivery makes of a failure: a halt whose alert names the cause and the setting. */
function haltMessage(error: number | Error, url: string): { kind: string; code: string; message: string } {
  expect(error).toBeInstanceOf(Error);
  const outcome = classifyNetworkError(error, new URL(url).origin);
  if (outcome.kind !== 'refused') return { kind: outcome.kind, code: '', message: '' };
  return { kind: outcome.kind, code: outcome.error.code, message: describeHalt(outcome) };
}

let goodUrl: string;
let wrongCaUrl: string;
let expiredUrl: string;
let mtlsUrl: string;

beforeAll(async () => {
  files = makeTlsFiles();
  goodUrl = await tlsServer({ cert: pem(files.serverCert), key: pem(files.serverKey) });
  wrongCaUrl = await tlsServer({ cert: pem(files.wrongServerCert), key: pem(files.wrongServerKey) });
  expiredUrl = await tlsServer({ cert: pem(files.expiredCert), key: pem(files.expiredKey) });
  mtlsUrl = await tlsServer({
    cert: pem(files.serverCert),
    key: pem(files.serverKey),
    ca: pem(files.caCert),
    requestCert: true,
    rejectUnauthorized: true,
  });
}, 60_000);

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(proxies.map((p) => p.close()));
  files?.remove();
});

describe('TLS', () => {
  it('trusts the CA of cloud.tls.caFile', async () => {
    expect(await get(transport({ caFile: files.caCert }), goodUrl)).toBe(200);
  });

  it('refuses a server whose CA is not trusted, naming cloud.tls.caFile', async () => {
    const failure = haltMessage(await get(transport({ caFile: files.caCert }), wrongCaUrl), wrongCaUrl);
    expect(failure).toMatchObject({ kind: 'refused', code: 'tls_untrusted' });
    expect(failure.message).toContain('not signed by a certificate authority this agent trusts');
    expect(failure.message).toContain('cloud.tls.caFile');
    // Without configuration the test CA is unknown too (it is in no store).
    expect(haltMessage(await get(transport(), goodUrl), goodUrl).code).toBe('tls_untrusted');
  });

  it('refuses a key that matches no pin and accepts two pins of which one is stale', async () => {
    const stale = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const failure = haltMessage(await get(transport({ caFile: files.caCert, pins: [stale] }), goodUrl), goodUrl);
    expect(failure).toMatchObject({ kind: 'refused', code: 'tls_pin_mismatch' });
    expect(failure.message).toContain('cloud.tls.pins');
    expect(failure.message).toContain(files.serverPin);
    expect(await get(transport({ caFile: files.caCert, pins: [stale, files.serverPin] }), goodUrl)).toBe(200);
    // A pin of the CA (rollover of the leaf without a config change) is accepted as well.
    expect(await get(transport({ caFile: files.caCert, pins: [`sha256/${files.caPin}`] }), goodUrl)).toBe(200);
  });

  it('refuses an expired certificate', async () => {
    const failure = haltMessage(await get(transport({ caFile: files.caCert }), expiredUrl), expiredUrl);
    expect(failure).toMatchObject({ kind: 'refused', code: 'tls_expired' });
    expect(failure.message).toContain('has expired');
  });

  it('reports a missing client certificate and passes with the certificate and the passphrase from the keychain', async () => {
    const failure = haltMessage(await get(transport({ caFile: files.caCert }), mtlsUrl), mtlsUrl);
    expect(failure).toMatchObject({ kind: 'refused', code: 'tls_client_cert_required' });
    expect(failure.message).toContain('cloud.tls.clientCert');
    const mtls = { caFile: files.caCert, clientCert: files.clientCert, clientKey: files.clientKey, clientKeyPassphrase: { secretRef: 'cloud/client-key-passphrase' } };
    expect(await get(transport(mtls, { mode: 'direct' }, { 'cloud/client-key-passphrase': files.clientKeyPassphrase }), mtlsUrl)).toBe(200);
    const noPassphrase = haltMessage(await get(transport(mtls), mtlsUrl), mtlsUrl);
    expect(noPassphrase.code).toBe('tls_client_cert_unreadable');
    expect(noPassphrase.message).toContain('tya-agent secret set cloud/client-key-passphrase');
    expect(noPassphrase.message).not.toContain(files.clientKeyPassphrase);
  });

  it('trusts a CA from the operating system store without configuration (a temporary store in a child process)', async () => {
    const store = path.join(files.dir, 'system-store');
    mkdirSync(store, { recursive: true });
    const script = path.resolve('test/helpers/system-ca-probe.ts');
    const env = (certFile: string) => {
      const { NODE_EXTRA_CA_CERTS: _extra, NODE_OPTIONS: _options, ...rest } = process.env;
      return { ...rest, SSL_CERT_FILE: certFile, SSL_CERT_DIR: store };
    };
    const trusted = await run(process.execPath, ['--use-system-ca', script, goodUrl], { env: env(files.caCert) });
    expect(trusted.stdout.trim()).toBe('status 200');
    // The same child with another CA in its store refuses: the trust above came from the store.
    const untrusted = await run(process.execPath, ['--use-system-ca', script, goodUrl], { env: env(files.wrongCaCert) });
    expect(untrusted.stdout.trim()).toBe('error tls_untrusted');
  }, 30_000);
});

describe('proxies', () => {
  it('tunnels through a CONNECT proxy without authentication', async () => {
    const open = await proxy();
    expect(await get(transport({ caFile: files.caCert }, { mode: 'manual', url: open.url }), goodUrl)).toBe(200);
    expect(open.tunnels).toEqual([new URL(goodUrl).host]);
  });

  it('logs in with Basic from the keychain, and says so clearly when the password is wrong or missing', async () => {
    const guarded = await proxy({ basic: { username: 'agent', password: 'proxy-PASS-91c2' } });
    const config = { mode: 'manual', url: guarded.url, username: 'agent', password: { secretRef: 'cloud/proxy-password' } };
    expect(await get(transport({ caFile: files.caCert }, config, { 'cloud/proxy-password': 'proxy-PASS-91c2' }), goodUrl)).toBe(200);
    expect(guarded.tunnels).toHaveLength(1);

    const wrong = haltMessage(await get(transport({ caFile: files.caCert }, config, { 'cloud/proxy-password': 'nope' }), goodUrl), goodUrl);
    expect(wrong).toMatchObject({ kind: 'refused', code: 'proxy_auth_failed' });
    expect(wrong.message).toContain('refused the user name "agent"');
    expect(wrong.message).not.toContain('nope');

    const none = haltMessage(await get(transport({ caFile: files.caCert }, { mode: 'manual', url: guarded.url }), goodUrl), goodUrl);
    expect(none).toMatchObject({ kind: 'refused', code: 'proxy_auth_required' });
    expect(none.message).toContain('cloud.proxy.username');
    expect(guarded.tunnels).toHaveLength(1);
  });

  it('recognises an NTLM/Negotiate proxy, and doctor says what to configure', async () => {
    const ntlm = await proxy({ onlySchemes: ['NTLM', 'Negotiate'] });
    const failure = haltMessage(await get(transport({ caFile: files.caCert }, { mode: 'manual', url: ntlm.url }), goodUrl), goodUrl);
    expect(failure).toMatchObject({ kind: 'refused', code: 'proxy_auth_unsupported' });
    expect(failure.message).toContain('NTLM or Negotiate');
    const cloud = {
      url: goodUrl,
      tls: CloudTlsSchema.parse({ caFile: files.caCert }),
      proxy: CloudProxySchema.parse({ mode: 'manual', url: ntlm.url }),
    } as Parameters<typeof checkCloudConnection>[0];
    const [trust, finding] = await checkCloudConnection(cloud, { get: () => Promise.resolve(undefined) }, 5000, {});
    expect(trust?.text).toContain('TLS settings load: CA file');
    expect(finding?.status).toBe('fail');
    expect(finding?.text).toContain('proxy_auth_unsupported');
    expect(finding?.text).toContain('Cntlm');
  });

  it('goes direct for NO_PROXY and cloud.proxy.noProxy (CIDR), through the proxy otherwise; loopback never takes HTTPS_PROXY', async () => {
    const listed = await proxy();
    const manual = { mode: 'manual', url: listed.url };
    expect(await get(transport({ caFile: files.caCert }, manual, {}, { NO_PROXY: 'example.com,127.0.0.1' }), goodUrl)).toBe(200);
    expect(await get(transport({ caFile: files.caCert }, { ...manual, noProxy: ['127.0.0.0/8'] }), goodUrl)).toBe(200);
    expect(await get(transport({ caFile: files.caCert }, { mode: 'environment' }, {}, { HTTPS_PROXY: listed.url }), goodUrl)).toBe(200);
    expect(listed.tunnels).toEqual([]);
    expect(await get(transport({ caFile: files.caCert }, manual, {}, { no_proxy: '.example.com' }), goodUrl)).toBe(200);
    expect(listed.tunnels).toHaveLength(1);
  });

  it('follows a PAC file: a proxy for one port, DIRECT for another', async () => {
    const pacProxy = await proxy();
    const viaProxyPort = new URL(goodUrl).port;
    const pacFile = path.join(files.dir, 'proxy.pac');
    writeFileSync(
      pacFile,
      `function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || !isInNet(host, "127.0.0.0", "255.0.0.0")) return "DIRECT";
  if (shExpMatch(url, "*:${viaProxyPort}/*")) return "PROXY 127.0.0.1:${pacProxy.port}; DIRECT";
  return "DIRECT";
}`,
    );
    const pac = { mode: 'pac', pacUrl: pacFile };
    expect(await get(transport({ caFile: files.caCert }, pac), goodUrl)).toBe(200);
    expect(await get(transport({ caFile: files.caCert }, pac), mtlsUrl)).toBeInstanceOf(Error);
    expect(pacProxy.tunnels).toEqual([new URL(goodUrl).host]);
    const broken = path.join(files.dir, 'broken.pac');
    writeFileSync(broken, 'function FindProxyForURL(url, host) { while (true) {} }');
    const hung = haltMessage(await get(transport({ caFile: files.caCert }, { mode: 'pac', pacUrl: broken }), goodUrl), goodUrl);
    expect(hung).toMatchObject({ kind: 'refused' });
  });

  it('carries a wss:// WebSocket through the CONNECT proxy with agentFor()', async () => {
    const tunnelProxy = await proxy();
    const server = https.createServer({ cert: pem(files.serverCert), key: pem(files.serverKey) });
    track(server);
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => socket.on('message', (data: Buffer) => socket.send(`echo ${data.toString('utf8')}`)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/v1/agents/a/tunnel`;
    const t = transport({ caFile: files.caCert }, { mode: 'manual', url: tunnelProxy.url });
    const ws = new WebSocket(url, { agent: t.agentFor(url) });
    const echo = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping'));
      ws.once('message', (data: Buffer) => resolve(data.toString('utf8')));
      ws.once('error', reject);
    });
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close();
    await closed;
    for (const client of wss.clients) client.terminate();
    wss.close();
    await t.close();
    expect(echo).toBe('echo ping');
    expect(tunnelProxy.tunnels).toEqual([new URL(url).host]);
  });
});
