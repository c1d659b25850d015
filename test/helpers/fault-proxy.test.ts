import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from './fault-proxy.ts';
import type { FaultProxy } from './fault-proxy.ts';

/** What the real server behind the proxy saw of one request. */
interface ServedRequest {
  url: string;
  bytesReceived: number;
  /** The whole request body arrived. */
  complete: boolean;
  /** The handler ran to the end and sent its response to the kernel: the "server has processed it" moment. */
  handled: boolean;
  /** Resolves once the server is done with the request, whether it finished or its connection died. */
  settled: Promise<void>;
}

interface TestServer {
  port: number;
  requests: ServedRequest[];
  close(): Promise<void>;
}

/** POST /echo answers with the request body; GET /bytes?n=N answers with N pattern bytes. */
async function startTestServer(): Promise<TestServer> {
  const requests: ServedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let markSettled = (): void => {};
    const served: ServedRequest = {
      url: req.url ?? '',
      bytesReceived: 0,
      complete: false,
      handled: false,
      settled: new Promise((resolve) => (markSettled = resolve)),
    };
    requests.push(served);
    req.on('error', () => {});
    res.on('error', () => {});
    res.on('close', () => {
      served.complete = req.complete;
      markSettled();
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      served.bytesReceived += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(served.url, 'http://localhost');
      const body = url.pathname === '/bytes' ? pattern(Number(url.searchParams.get('n'))) : Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      served.handled = true;
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Bytes whose value depends on position (mod a prime), so a reordered or shifted chunk changes the hash. */
function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Outcome {
  status?: number;
  body: Buffer;
  complete: boolean;
  error?: NodeJS.ErrnoException;
  elapsedMs: number;
}

/** One HTTP exchange over a fresh connection; never rejects, so a test can assert on the failure itself. */
function send(url: string, options: { method?: string; body?: Buffer; timeoutMs?: number } = {}): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let complete = false;
    let settled = false;
    const finish = (error?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      resolve({ status, body: Buffer.concat(chunks), complete, error, elapsedMs: performance.now() - started });
    };
    const req = request(url, {
      method: options.method ?? 'GET',
      agent: false,
      timeout: options.timeoutMs ?? 10_000,
      headers: options.body ? { 'content-length': options.body.length } : {},
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', finish);
    req.on('response', (res) => {
      status = res.statusCode;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', finish);
      res.on('end', () => {
        complete = res.complete;
        finish();
      });
      res.on('close', () =>
        finish(res.complete ? undefined : Object.assign(new Error('closed early'), { code: 'EARLY' })),
      );
    });
    req.end(options.body);
  });
}

/** A raw TCP exchange, to see exactly how many bytes arrive and whether the connection ended with FIN or an error. */
function rawExchange(port: number, payload: string): Promise<{ received: Buffer; ending: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ending = 'close';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => (ending = 'fin'));
    socket.on('error', (error: NodeJS.ErrnoException) => (ending = error.code ?? 'error'));
    socket.on('close', () => resolve({ received: Buffer.concat(chunks), ending }));
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const connectionErrors = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE'];

describe('fault proxy', () => {
  let server: TestServer;
  let proxy: FaultProxy;

  beforeEach(async () => {
    server = await startTestServer();
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port } });
  });
  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  it('passes a 1 MB body through intact in both directions when no fault is set', async () => {
    const body = pattern(1024 * 1024);
    const out = await send(proxy.url('/echo'), { method: 'POST', body });
    expect(out.error).toBeUndefined();
    expect(out.status).toBe(200);
    expect(sha256(out.body)).toBe(sha256(body));
    expect(server.requests[0]!.bytesReceived).toBe(body.length);
    const stats = proxy.stats();
    expect(stats.connections).toBe(1);
    expect(stats.bytesUp).toBeGreaterThan(body.length);
    expect(stats.bytesDown).toBeGreaterThan(body.length);
    expect(stats.faultsApplied).toBe(0);
  });

  it('delays each chunk in both directions and keeps the byte order despite jitter', async () => {
    proxy.setFault({ type: 'latency', ms: 150, jitterMs: 40 });
    const body = pattern(300_000);
    const out = await send(proxy.url('/echo'), { method: 'POST', body });
    expect(out.status).toBe(200);
    expect(sha256(out.body)).toBe(sha256(body));
    // One delay on the way up, one on the way down.
    expect(out.elapsedMs).toBeGreaterThanOrEqual(2 * 150);
    expect(proxy.stats().faultsApplied).toBe(1);
  });

  it('hang: the connection is accepted but nothing is forwarded, so the client times out', async () => {
    proxy.setFault({ type: 'hang' });
    const out = await send(proxy.url('/bytes?n=10'), { timeoutMs: 300 });
    expect(out.error?.code).toBe('CLIENT_TIMEOUT');
    expect(out.elapsedMs).toBeGreaterThanOrEqual(290);
    expect(server.requests).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ connections: 1, bytesUp: 0, faultsApplied: 1 });
  });

  it('blackhole: the request is swallowed, the server never sees it and the client times out', async () => {
    proxy.setFault({ type: 'blackhole' });
    const out = await send(proxy.url('/echo'), { method: 'POST', body: pattern(64 * 1024), timeoutMs: 300 });
    expect(out.error?.code).toBe('CLIENT_TIMEOUT');
    expect(server.requests).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ connections: 1, bytesUp: 0, bytesDown: 0, faultsApplied: 1 });
  });

  it('refuse: the client sees a connection error and the server sees nothing', async () => {
    proxy.setFault({ type: 'refuse' });
    const out = await send(proxy.url('/bytes?n=10'));
    expect(connectionErrors).toContain(out.error?.code);
    expect(server.requests).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ connections: 1, bytesUp: 0, faultsApplied: 1 });
  });

  it('reset-request: the server sees an aborted request and the client an error', async () => {
    proxy.setFault({ type: 'reset-request', afterBytes: 64 * 1024 });
    const body = pattern(512 * 1024);
    const out = await send(proxy.url('/echo'), { method: 'POST', body });
    expect(connectionErrors).toContain(out.error?.code);
    // Client and server share this event loop: the server may read its half of the reset a turn later.
    await waitFor(() => server.requests.length > 0);
    await server.requests[0]!.settled;
    expect(server.requests[0]!.complete).toBe(false);
    expect(server.requests[0]!.handled).toBe(false);
    expect(server.requests[0]!.bytesReceived).toBeLessThan(64 * 1024);
    expect(proxy.stats()).toMatchObject({ bytesUp: 64 * 1024, faultsApplied: 1 });
  });

  it('reset-response: the server processed the request, the client got an error and part of the body', async () => {
    proxy.setFault({ type: 'reset-response', afterBytes: 1000 });
    const body = pattern(20_000);
    const out = await send(proxy.url('/echo'), { method: 'POST', body });
    expect(out.error).toBeDefined();
    expect(out.body.length).toBeLessThan(body.length);
    await server.requests[0]!.settled;
    expect(server.requests[0]!).toMatchObject({ complete: true, handled: true, bytesReceived: body.length });
    expect(proxy.stats()).toMatchObject({ bytesDown: 1000, faultsApplied: 1 });

    const raw = await rawExchange(proxy.port, 'GET /bytes?n=50000 HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(raw.ending).toBe('ECONNRESET');
    expect(raw.received.length).toBeGreaterThan(0);
    expect(raw.received.length).toBeLessThanOrEqual(1000);
  });

  it('truncate-response: the client gets a short body, and exactly afterBytes then a clean FIN', async () => {
    proxy.setFault({ type: 'truncate-response', afterBytes: 5000 });
    const out = await send(proxy.url('/bytes?n=100000'));
    expect(out.body.length).toBeLessThan(5000);
    expect(out.complete).toBe(false);
    expect(out.error).toBeDefined();

    const raw = await rawExchange(proxy.port, 'GET /bytes?n=100000 HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(raw.ending).toBe('fin');
    expect(raw.received.length).toBe(5000);
    expect(raw.received.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(proxy.stats()).toMatchObject({ bytesDown: 10_000, faultsApplied: 2 });
  });

  it('throttle: 100 KB up and 100 KB down at 100 KB/s take about two seconds', async () => {
    proxy.setFault({ type: 'throttle', bytesPerSec: 100_000 });
    const body = pattern(100_000);
    const out = await send(proxy.url('/echo'), { method: 'POST', body });
    expect(sha256(out.body)).toBe(sha256(body));
    expect(out.elapsedMs).toBeGreaterThanOrEqual(1500);
    expect(out.elapsedMs).toBeLessThan(6000);
  });

  it('follows a per-connection plan: the first connection resets after the server committed, the second passes', async () => {
    const asked: number[] = [];
    proxy.setPlan((index) => {
      asked.push(index);
      return index === 0 ? { type: 'reset-response', afterBytes: 10 } : { type: 'none' };
    });
    const body = pattern(5000);
    const first = await send(proxy.url('/echo'), { method: 'POST', body });
    const second = await send(proxy.url('/echo'), { method: 'POST', body });
    expect(first.error).toBeDefined();
    expect(second.error).toBeUndefined();
    expect(sha256(second.body)).toBe(sha256(body));
    expect(asked).toEqual([0, 1]);
    expect(server.requests.map((r) => r.handled)).toEqual([true, true]);
  });

  it('applies a fault with times to the next N connections only, then forwards again', async () => {
    proxy.setFault({ type: 'refuse' }, { times: 2 });
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(await send(proxy.url('/bytes?n=100')));
    expect(outcomes.map((o) => o.status)).toEqual([undefined, undefined, 200]);
    expect(proxy.stats()).toMatchObject({ connections: 3, faultsApplied: 2 });
  });

  it('close() destroys hung connections, so their clients fail at once instead of waiting', async () => {
    proxy.setFault({ type: 'hang' });
    const pending = send(proxy.url('/bytes?n=10'), { timeoutMs: 5000 });
    await waitFor(() => proxy.stats().connections === 1);
    await proxy.close();
    const out = await pending;
    expect(out.error).toBeDefined();
    expect(out.error?.code).not.toBe('CLIENT_TIMEOUT');
  });

  it('resets the client when the server behind it is down', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const orphan = await startFaultProxy({ target: { host: '127.0.0.1', port: deadPort } });
    try {
      const out = await send(orphan.url('/'));
      expect(connectionErrors).toContain(out.error?.code);
    } finally {
      await orphan.close();
    }
  });

  it('rejects impossible faults instead of silently shaping nothing', () => {
    expect(() => proxy.setFault({ type: 'throttle', bytesPerSec: 0 })).toThrow(/bytesPerSec/);
    expect(() => proxy.setFault({ type: 'reset-request', afterBytes: 1.5 })).toThrow(/afterBytes/);
    expect(() => proxy.setFault({ type: 'none' }, { times: 0 })).toThrow(/times/);
  });
});
