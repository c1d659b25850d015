import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Limits } from './admin-schemas.ts';
import { dispatchAdminRequest } from './admin-routes.ts';
import { dispatchCloudRequest } from './cloud-dispatch.ts';
import type { CloudServices } from './cloud-types.ts';
import { errorBody } from './http-error.ts';
import { writeResponse } from './http-reply.ts';
import { SandboxState } from './sandbox-state.ts';
import { renderStatusPage } from './status-page.ts';
import { randomId } from './store/secrets.ts';
import { SandboxStore } from './store/sandbox-store.ts';
import { TunnelHub } from './tunnel-hub.ts';

export interface SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Loopback by default: cloud-api.md allows plain http only there. */
  host?: string;
  dbPath: string;
  /** Where uploaded files are kept; inside SQLite when absent. */
  filesDir?: string;
  tokenTtlSecs?: number;
  signatureWindowSecs?: number;
  /** Limit on a request body as received (compressed). */
  maxBodyBytes?: number;
  maxRecordsPerBatch?: number;
  /** Enrollment keys to create at start (single use, like those from POST /admin/enrollment-keys). */
  enrollmentKeys?: readonly string[];
  /**
   * The entities an agent may send for when its enrollment key names none (keys from `enrollmentKeys`,
   * and `POST /admin/enrollment-keys` without `entities`). Default: `DEFAULT_ENTITIES`.
   */
  entities?: readonly string[];
  /** One sentence per request (never secrets or record data). Silent by default. */
  log?: (sentence: string) => void;
  /** The underlying clock in ms since the epoch; the admin clock offset is added to it. */
  now?: () => number;
}

export interface Sandbox {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: Limits = {
  tokenTtlSecs: 900,
  signatureWindowSecs: 300,
  maxBodyBytes: 10 * 1024 * 1024,
  maxRecordsPerBatch: 5000,
};

/** The entities of an enrollment key that names none, unless the sandbox was started with `entities`. */
export const DEFAULT_ENTITIES: readonly string[] = ['store-7'];

/** Starts the sandbox cloud on loopback; resolves once it is listening. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const log = options.log ?? (() => {});
  if (options.entities !== undefined && options.entities.length === 0) {
    throw new Error('The sandbox needs at least one entity for enrollment keys that name none.');
  }
  const store = new SandboxStore(options.dbPath, options.filesDir);
  const state = new SandboxState(
    {
      tokenTtlSecs: options.tokenTtlSecs ?? DEFAULT_LIMITS.tokenTtlSecs,
      signatureWindowSecs: options.signatureWindowSecs ?? DEFAULT_LIMITS.signatureWindowSecs,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
      maxRecordsPerBatch: options.maxRecordsPerBatch ?? DEFAULT_LIMITS.maxRecordsPerBatch,
    },
    options.now ?? Date.now,
    options.entities ?? DEFAULT_ENTITIES,
  );
  for (const key of options.enrollmentKeys ?? []) {
    store.agents.createEnrollmentKey(key, state.defaultEntities, state.nowIso());
  }
  const tunnels = new TunnelHub(store, state, log);
  const services: CloudServices = { store, state, tunnels };
  const shutdown = new AbortController();
  const inflight = new Set<Promise<void>>();

  const route = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/v1/')) {
      return dispatchCloudRequest(req, res, { services, requestId, signal: shutdown.signal, log });
    }
    if (path === '/admin' || path.startsWith('/admin/')) return dispatchAdminRequest(req, res, services, requestId);
    req.resume();
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      const html = renderStatusPage({
        now: state.nowIso(),
        agents: store.agents.list(),
        batches: store.batches.batches(30),
        streams: store.batches.streamCounts(),
        owners: store.owners.list(),
        latestRecords: store.history.latestPerStream(5),
        cloudKeyFingerprint: store.cloudKey.fingerprint,
      });
      return writeResponse(res, 200, req.method === 'HEAD' ? undefined : Buffer.from(html), {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'cache-control': 'no-store',
      });
    }
    writeResponse(res, 404, errorBody('not_found', `There is nothing at ${path}.`, requestId), {});
  };

  const server = createServer((req, res) => {
    const requestId = randomId('req', 8);
    res.setHeader('x-request-id', requestId);
    const handling = route(req, res, requestId).catch((error: unknown) => {
      log(`Request ${requestId} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent)
        writeResponse(res, 500, errorBody('internal_error', 'The sandbox failed unexpectedly.', requestId), {});
      else res.destroy();
    });
    inflight.add(handling);
    void handling.finally(() => inflight.delete(handling));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const requestId = randomId('req', 8);
    const path = (req.url ?? '/').split('?')[0]!;
    if (TunnelHub.matches(path)) return tunnels.handleUpgrade(req, socket, head, requestId);
    const body = JSON.stringify(errorBody('not_found', `No upgrade at ${path}.`, requestId));
    log(`GET ${path} upgrade refused with 404 [${requestId}].`);
    socket.end(
      `HTTP/1.1 404 Not Found\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    store.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`The sandbox cloud listens on ${url} with its data in ${options.dbPath}.`);

  // Every socket, upgraded ones included: closeAllConnections() does not reach a socket handed to the
  // tunnel (or one refused mid-upgrade), and server.close() would wait for it for ever.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        shutdown.abort();
        tunnels.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        await Promise.allSettled([...inflight]);
        await stopped;
        store.close();
      })()),
  };
}
