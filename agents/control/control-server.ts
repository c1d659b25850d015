import { randomBytes } from 'node:crypto';
import { nodeHttp } from '../pipeline/node-http.ts';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
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
import { RefusalGate, type RefusalAlerts, type RefusalGateOptions } from './refusal-gate.ts';
import { bearerMatches, checkHostAndOrigin, secretEquals, UNAUTHORIZED } from './request-guard.ts';
import { listenRoleSockets } from './role-sockets.ts';
import { roleAllows, roleRefusalMessage, type Principal, type Role, type RoleHelp } from './roles.ts';
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
  /** Whose members may use the operator socket (config control.operatorGroup). */
  operatorGroup?: string;
  /** Where `control_auth_failures` is raised (the outbox's alerts). */
  alerts?: RefusalAlerts;
  /** Tuning of the refusal gate (tests shorten the summary interval). */
  refusals?: Omit<RefusalGateOptions, 'logger' | 'alerts'>;
  /** Serve the role sockets in the data folder too (default true; not on Windows). */
  roleSockets?: boolean;
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
    createLoginLink: (role) => {
      const { secret, expiresAt } = sessions.createLoginSecret(role);
      return { url: `http://127.0.0.1:${port}${LOGIN_PATH}?s=${secret}`, expiresAt: new Date(expiresAt).toISOString() };
    },
  });
  // Built at the first request for it, not at start: a ~230 KB document (and zod's JSON Schema
  // conversion compiled to make it) that an agent nobody browses would hold for nothing.
  let openApiText: string | null = null;
  const openApi = () => (openApiText ??= JSON.stringify({ ok: true, value: buildOpenApi(routes, options.version) }));
  const streams = new EventStreams(options.handlers, options.dashboard, logger);
  const gate = new RefusalGate({ ...options.refusals, logger, alerts: options.alerts });
  const context: ServeContext = {
    gate,
    roleHelp: { operatorGroup: options.operatorGroup, agentUser: agentUserName() },
    token,
    handlers: options.handlers,
    routes,
    openApi,
    sessions,
    streams,
    logger,
    rendererDir: options.rendererDir === undefined ? defaultRendererDir() : options.rendererDir,
  };
  const server = nodeHttp.createServer((request, response) => {
    void serve(request, response, context, null);
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
  const sockets =
    options.roleSockets === false
      ? null
      : await listenRoleSockets({
          dataDir: options.dataDir,
          operatorGroup: options.operatorGroup,
          logger,
          handler: (role) => (request, response) => void serve(request, response, context, role),
        }).catch((error: unknown) => {
          logger.warn({ err: error }, 'The control sockets could not be created; the CLI falls back to the control token.');
          return null;
        });
  logger.info({ url, sockets: sockets?.roles ?? [] }, `The control API is listening on ${url}.`);
  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    routes,
    close() {
      closing ??= new Promise<void>((resolve) => {
        removeControlFileSync(options.dataDir, token);
        streams.close();
        gate.close();
        const socketsClosed = sockets?.close() ?? Promise.resolve();
        server.close(() => void socketsClosed.then(() => resolve()));
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
  gate: RefusalGate;
  roleHelp: RoleHelp;
  token: string;
  handlers: ControlHandlers;
  routes: readonly AnyRoute[];
  openApi: () => string;
  sessions: SessionStore;
  streams: EventStreams;
  logger: Logger;
  rendererDir: string | null;
}

interface Caller {
  principal: Principal;
  session: Session | null;
}

/** `socketRole`: the role of the local socket the request came through, null on TCP. */
async function serve(request: IncomingMessage, response: ServerResponse, context: ServeContext, socketRole: Role | null): Promise<void> {
  const { method = 'GET', url = '/' } = request;
  const hostRefusal = checkHostAndOrigin(request.headers);
  if (hostRefusal !== null) return refuse(request, response, context, hostRefusal);
  const { pathname, searchParams } = new URL(url, 'http://127.0.0.1');
  if (!pathname.startsWith('/api/')) {
    request.resume();
    if (method !== 'GET' && method !== 'HEAD') return reply(response, 405, error('method_not_allowed', 'Only GET here.'));
    if (pathname === LOGIN_PATH) return login(searchParams.get('s') ?? '', request, response, context);
    return serveStatic(context.rendererDir, pathname, response);
  }
  const caller = socketRole === null ? authenticate(request, context) : { principal: { role: socketRole, via: 'socket' as const }, session: null };
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
      return replyRaw(response, 200, context.openApi());
    }
    const subPath = pathname.startsWith(`${CONTROL_API_PREFIX}/`) ? pathname.slice(CONTROL_API_PREFIX.length) : null;
    const match = subPath === null ? null : matchRoute(context.routes, method, subPath);
    if (match !== null && 'allowed' in match) {
      throw new ControlHttpError(405, 'method_not_allowed', `${pathname} accepts ${match.allowed.join(', ')}, not ${method}.`);
    }
    if (match === null) {
      // Routes added to the older table (control-routes.ts) keep working until they are declared here.
      // Its changes (sync, dead letters, acknowledging alerts) are all operator work.
      if (method !== 'GET' && !roleAllows(caller.principal.role, 'operator')) {
        throw new ControlHttpError(403, 'forbidden_role', roleRefusalMessage(`${method} ${pathname}`, 'operator', caller.principal.role, context.roleHelp));
      }
      const body = await readJsonBody(request);
      const value = await runAsActor(controlActor(caller.principal), () => routeControlRequest({ method, path: pathname, query: searchParams, body }, context.handlers));
      return reply(response, 200, { ok: true, value: value ?? null });
    }
    const { route, params } = match;
    if (!roleAllows(caller.principal.role, route.role)) {
      throw new ControlHttpError(403, 'forbidden_role', roleRefusalMessage(`${method} ${pathname}`, route.role, caller.principal.role, context.roleHelp));
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

/** On TCP: the control token (readable by the agent's user only: admin) or a browser session cookie (its link's role). */
function authenticate(request: IncomingMessage, context: ServeContext): Caller | null {
  if (request.headers.authorization !== undefined) {
    return bearerMatches(request.headers.authorization, context.token) ? { principal: { role: 'admin', via: 'token' }, session: null } : null;
  }
  const sessionId = readCookie(request.headers.cookie, SESSION_COOKIE);
  const session = sessionId === undefined ? null : context.sessions.find(sessionId);
  return session === null ? null : { principal: { role: session.role, via: 'session' }, session };
}

function agentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'the agent’s user';
  }
}

function login(secret: string, request: IncomingMessage, response: ServerResponse, context: ServeContext): void {
  const redeemed = context.sessions.redeem(secret);
  if (redeemed === null) {
    // Guessing link secrets is refused like guessing tokens: late, bounded, and in the minute's summary line.
    const refusal = { status: 403, code: 'login_link_refused', message: 'Unknown, used or expired login link.' };
    const body =
      '<!doctype html><html lang="en"><meta charset="utf-8"><title>Link expired</title>' +
      `<p>This login link was already used or is older than ${LOGIN_LINK_TTL_MS / 60_000} minutes.</p>` +
      '<p>Make a new one with <code>tya-agent open-ui</code> on the agent’s computer.</p></html>';
    context.gate.refuse(request, response, refusal, () => {
      response.writeHead(403, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'" });
      response.end(body);
    });
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
  // Counted into a summary line a minute, answered late, and dropped when too many wait (refusal-gate.ts).
  context.gate.refuse(request, response, refusal, () => reply(response, refusal.status, error(refusal.code, refusal.message)));
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
