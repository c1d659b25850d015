import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { systemClock, type Clock } from '../pipeline/clock.ts';
import { AgentError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { redactSecrets } from '../vault/redaction.ts';
import { removeControlFileSync, writeControlFileSync } from './control-file.ts';
import { CONTROL_API_PREFIX, type ControlHandlers, type ControlResult } from './control-protocol.ts';
import { ControlHttpError, routeControlRequest } from './control-routes.ts';
import type { DashboardPort } from './dashboard-port.ts';
import { EventStreams } from './event-streams.ts';
import { buildOpenApi, OPENAPI_PATH } from './openapi.ts';
import { bearerMatches, checkHostAndOrigin, secretEquals, UNAUTHORIZED } from './request-guard.ts';
import { roleAllows, type Principal } from './roles.ts';
import { controlActor, runAsActor } from '../outbox/audit-actor.ts';
import { matchRoute, type AnyRoute } from './route-table.ts';
import { CSRF_HEADER, LOGIN_LINK_TTL_MS, readCookie, SESSION_COOKIE, SessionStore, type Session } from './session-store.ts';
import { defaultRendererDir, serveStatic } from './static-files.ts';
import { controlRouteTable } from './v1/index.ts';

export interface ControlServerOptions {
  /** 0 picks a free port; clients find it in control.json. */
  port: number;
  /** Where control.json (port and token) is written, readable only by the agent's user. */
  dataDir: string;
  handlers: ControlHandlers;
  /** The dashboard's routes (sources, files, settings…); without it they answer 503. */
  dashboard?: DashboardPort;
  logger: Logger;
  version: string;
  /** The built renderer served to browsers; default: dist/renderer (null: none). */
  rendererDir?: string | null;
  clock?: Clock;
}

export interface ControlServer {
  port: number;
  url: string;
  /** The route table, for the OpenAPI test. */
  routes: readonly AnyRoute[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 2_000;
export const LOGIN_PATH = '/ui/login';

/** Starts the local control API on 127.0.0.1 and publishes how to reach it in `dataDir/control.json`. */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const logger = options.logger.child({ component: 'control' });
  const token = randomBytes(32).toString('base64url');
  const sessions = new SessionStore(options.clock ?? systemClock);
  let port = 0;
  const routes = controlRouteTable(options.handlers, options.dashboard, {
    createLoginLink: () => {
      const { secret, expiresAt } = sessions.createLoginSecret();
      return { url: `http://127.0.0.1:${port}${LOGIN_PATH}?s=${secret}`, expiresAt: new Date(expiresAt).toISOString() };
    },
  });
  const openApi = JSON.stringify({ ok: true, value: buildOpenApi(routes, options.version) });
  const streams = new EventStreams(options.handlers, options.dashboard, logger);
  const context: ServeContext = {
    token,
    handlers: options.handlers,
    routes,
    openApi,
    sessions,
    streams,
    logger,
    rendererDir: options.rendererDir === undefined ? defaultRendererDir() : options.rendererDir,
  };
  const server = createServer((request, response) => {
    void serve(request, response, context);
  });
  await listen(server, options.port);
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  try {
    writeControlFileSync(options.dataDir, {
      port,
      token,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      version: options.version,
    });
  } catch (error) {
    server.close();
    throw new AgentError('control_file_unwritable', `Could not write control.json in ${options.dataDir}.`, {
      hint: 'The agent needs write access to its data folder.',
      cause: error,
    });
  }
  logger.info({ url }, `The control API is listening on ${url}.`);
  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    routes,
    close() {
      closing ??= new Promise<void>((resolve) => {
        removeControlFileSync(options.dataDir, token);
        streams.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const message =
        error.code === 'EADDRINUSE'
          ? `Port ${port} on 127.0.0.1 is already in use, so the control API cannot start.`
          : `The control API could not listen on 127.0.0.1:${port}: ${error.message}`;
      reject(
        new AgentError('control_listen_failed', message, {
          hint: 'Stop the other program or agent using that port, or set another control port (0 picks a free one).',
          cause: error,
        }),
      );
    });
    server.listen({ host: '127.0.0.1', port }, () => resolve());
  });
}

interface ServeContext {
  token: string;
  handlers: ControlHandlers;
  routes: readonly AnyRoute[];
  openApi: string;
  sessions: SessionStore;
  streams: EventStreams;
  logger: Logger;
  rendererDir: string | null;
}

interface Caller {
  principal: Principal;
  session: Session | null;
}

async function serve(request: IncomingMessage, response: ServerResponse, context: ServeContext): Promise<void> {
  const { method = 'GET', url = '/' } = request;
  const hostRefusal = checkHostAndOrigin(request.headers);
  if (hostRefusal !== null) return refuse(request, response, context, hostRefusal);
  const { pathname, searchParams } = new URL(url, 'http://127.0.0.1');
  if (!pathname.startsWith('/api/')) {
    request.resume();
    if (method !== 'GET' && method !== 'HEAD') return reply(response, 405, error('method_not_allowed', 'Only GET here.'));
    if (pathname === LOGIN_PATH) return login(searchParams.get('s') ?? '', response, context);
    return serveStatic(context.rendererDir, pathname, response);
  }
  const caller = authenticate(request, context);
  if (caller === null) return refuse(request, response, context, UNAUTHORIZED);
  // A browser session changes nothing without the CSRF token the page got from /session.
  if (caller.session !== null && method !== 'GET' && !secretEquals(String(request.headers[CSRF_HEADER] ?? ''), caller.session.csrfToken)) {
    return refuse(request, response, context, {
      status: 403,
      code: 'csrf_mismatch',
      message: 'This change did not come with the dashboard’s CSRF token: reload the dashboard and try again.',
    });
  }
  try {
    if (pathname === `${CONTROL_API_PREFIX}${OPENAPI_PATH}` && method === 'GET') {
      request.resume();
      return replyRaw(response, 200, context.openApi);
    }
    const subPath = pathname.startsWith(`${CONTROL_API_PREFIX}/`) ? pathname.slice(CONTROL_API_PREFIX.length) : null;
    const match = subPath === null ? null : matchRoute(context.routes, method, subPath);
    if (match !== null && 'allowed' in match) {
      throw new ControlHttpError(405, 'method_not_allowed', `${pathname} accepts ${match.allowed.join(', ')}, not ${method}.`);
    }
    if (match === null) {
      // Routes added to the older table (control-routes.ts) keep working until they are declared here.
      const body = await readJsonBody(request);
      const value = await runAsActor(controlActor(caller.principal), () => routeControlRequest({ method, path: pathname, query: searchParams, body }, context.handlers));
      return reply(response, 200, { ok: true, value: value ?? null });
    }
    const { route, params } = match;
    if (!roleAllows(caller.principal.role, route.role)) {
      throw new ControlHttpError(403, 'forbidden_role', `${method} ${pathname} needs the ${route.role} role; this caller is ${caller.principal.role}.`);
    }
    if (route.stream) {
      request.resume();
      return context.streams.open(request, response);
    }
    const rawInput = method === 'GET' || method === 'DELETE' ? Object.fromEntries(searchParams) : ((await readJsonBody(request)) ?? {});
    if (method === 'GET' || method === 'DELETE') request.resume();
    // Whatever the route changes is recorded in the audit log as this caller's doing.
    const value = await runAsActor(controlActor(caller.principal), () => route.run({
      params: parse(route.params, params),
      input: parse(route.input, rawInput),
      caller: { principal: caller.principal, csrfToken: caller.session?.csrfToken ?? null },
    }));
    reply(response, 200, { ok: true, value: value ?? null });
  } catch (failure) {
    if (failure instanceof ControlHttpError) {
      request.resume();
      return reply(response, failure.status, error(failure.code, failure.message));
    }
    if (failure instanceof AgentError) {
      const message = failure.hint === undefined ? failure.message : `${failure.message} ${failure.hint}`;
      return reply(response, 409, error(failure.code, redactSecrets(message)));
    }
    context.logger.error({ err: failure, method, stage: 'control' }, 'A control request failed with an internal error.');
    reply(response, 500, error('internal_error', 'The agent hit an internal error; its log has the details.'));
  }
}

/** The control token (CLI, scripts, the tray) or a browser session cookie; both are admin until the security issue. */
function authenticate(request: IncomingMessage, context: ServeContext): Caller | null {
  if (request.headers.authorization !== undefined) {
    return bearerMatches(request.headers.authorization, context.token) ? { principal: { role: 'admin', via: 'token' }, session: null } : null;
  }
  const sessionId = readCookie(request.headers.cookie, SESSION_COOKIE);
  const session = sessionId === undefined ? null : context.sessions.find(sessionId);
  return session === null ? null : { principal: { role: 'admin', via: 'session' }, session };
}

function login(secret: string, response: ServerResponse, context: ServeContext): void {
  const redeemed = context.sessions.redeem(secret);
  if (redeemed === null) {
    context.logger.warn('Refused a dashboard login link: unknown, already used or expired.');
    const body =
      '<!doctype html><html lang="en"><meta charset="utf-8"><title>Link expired</title>' +
      `<p>This login link was already used or is older than ${LOGIN_LINK_TTL_MS / 60_000} minutes.</p>` +
      '<p>Make a new one with <code>tya-agent open-ui</code> on the agent’s computer.</p></html>';
    response.writeHead(403, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'" });
    response.end(body);
    return;
  }
  context.logger.info('A browser opened the dashboard with a one-time login link.');
  response.writeHead(303, {
    Location: '/',
    'Set-Cookie': `${SESSION_COOKIE}=${redeemed.sessionId}; HttpOnly; SameSite=Strict; Path=/`,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
  });
  response.end();
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ControlHttpError(400, 'invalid_request', `The request is not valid: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  context: ServeContext,
  refusal: { status: number; code: string; message: string },
): void {
  context.logger.warn({ method: request.method, code: refusal.code }, 'Refused a control request: ' + refusal.message);
  // Drain whatever was sent so the refusal is not lost in a reset connection.
  request.resume();
  reply(response, refusal.status, error(refusal.code, refusal.message));
}

function error(code: string, message: string): ControlResult<never> {
  return { ok: false, error: { code, message } };
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new ControlHttpError(413, 'body_too_large', `Control requests are limited to ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ControlHttpError(415, 'unsupported_media_type', 'Control request bodies must be application/json.');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ControlHttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

function reply(response: ServerResponse, status: number, result: ControlResult<unknown>): void {
  replyRaw(response, status, JSON.stringify(result));
}

function replyRaw(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(body);
}
