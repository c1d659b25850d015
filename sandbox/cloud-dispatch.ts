import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudHeaders } from '../agents/api/cloud.ts';
import type { ArmedFault } from './fault-book.ts';
import { revokedError } from './auth-handlers.ts';
import { decodeContent, readBody } from './body-reader.ts';
import { matchCloudRoute } from './cloud-routes.ts';
import type { CloudReply, CloudServices } from './cloud-types.ts';
import { CloudHttpError, defaultCodeForStatus, errorBody } from './http-error.ts';
import { writeResponse } from './http-reply.ts';
import { compareSemver, isSemver } from './semver.ts';
import { verifySignature } from './signature.ts';

export interface DispatchContext {
  services: CloudServices;
  requestId: string;
  /** Aborted when the sandbox closes, so injected delays do not hold the shutdown. */
  signal: AbortSignal;
  log: (sentence: string) => void;
}

export function checkAgentVersion(headers: IncomingHttpHeaders, minimum: string | null): string {
  const version = headers[CloudHeaders.agentVersion];
  if (typeof version !== 'string' || version === '') {
    throw new CloudHttpError(400, 'missing_agent_version', 'Every request must carry TYA-Agent-Version: <semver>.');
  }
  if (!isSemver(version)) {
    throw new CloudHttpError(400, 'invalid_agent_version', `TYA-Agent-Version ${version} is not a semantic version.`);
  }
  if (minimum !== null && compareSemver(version, minimum) < 0) {
    throw new CloudHttpError(
      426,
      'upgrade_required',
      `Agent ${version} is no longer accepted; upgrade to ${minimum} or later.`,
      {
        details: { minimumVersion: minimum },
      },
    );
  }
  return version;
}

const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer error="invalid_token"' };

export function authenticate(
  headers: IncomingHttpHeaders,
  { store, state }: CloudServices,
  allowRevoked: boolean,
): string {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (match === null) {
    throw new CloudHttpError(401, 'invalid_token', 'Send Authorization: Bearer <token> from POST /v1/oauth/token.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const token = store.agents.findToken(match[1]!);
  if (token === undefined) {
    throw new CloudHttpError(401, 'invalid_token', 'The bearer token is not known; get a new one.', {
      headers: BEARER_CHALLENGE,
    });
  }
  if (token.revoked && !allowRevoked) throw revokedError(token.deleted);
  if (token.expiresAtMs <= state.now()) {
    throw new CloudHttpError(401, 'token_expired', 'The bearer token has expired; get a new one and retry.', {
      headers: BEARER_CHALLENGE,
    });
  }
  return token.agentId;
}

function faultError(fault: ArmedFault): CloudHttpError {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  return new CloudHttpError(
    fault.status!,
    fault.code ?? defaultCodeForStatus(fault.status!),
    fault.message ?? `Injected fault ${fault.id}.`,
    { headers },
  );
}

/**
 * The pipeline every `/v1` request goes through: faults, body, agent version, route, bearer token,
 * signature over the raw bytes, decompression, handler; then the reply with request id and
 * deprecation headers. Each request is counted by endpoint and status before its response leaves.
 */
export async function dispatchCloudRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: DispatchContext,
): Promise<void> {
  const started = performance.now();
  const { services, requestId } = ctx;
  const { store, state } = services;
  // The signature's time is judged when the headers arrive, so a long upload is not penalised.
  const headersAtMs = state.now();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const path = url.pathname;
  const match = matchCloudRoute(method, path);
  const endpoint = match.kind === 'found' ? `${method} ${match.route.pattern}` : `${method} (unknown path)`;
  const finish = (status: string, summary: string) => {
    store.counts.countRequest(endpoint, status);
    ctx.log(`${method} ${path} ${summary} in ${Math.round(performance.now() - started)} ms [${requestId}].`);
  };
  const drop = (when: string) => {
    finish('dropped', `had its connection dropped by a fault ${when}`);
    req.socket.destroy();
  };
  const send = (reply: CloudReply) => {
    if (req.socket.destroyed)
      return finish('client_closed', `was abandoned by the client before the ${reply.status} answer`);
    const deprecation: Record<string, string> = {};
    if (state.deprecation.deprecation !== null) deprecation.deprecation = state.deprecation.deprecation;
    if (state.deprecation.sunset !== null) deprecation.sunset = state.deprecation.sunset;
    finish(String(reply.status), `answered ${reply.status}${reply.note === undefined ? '' : ` (${reply.note})`}`);
    writeResponse(res, reply.status, reply.body, {
      // The sandbox's own clock (with its test offset), so agents can measure skew from Date too.
      date: new Date(state.now()).toUTCString(),
      'x-request-id': requestId,
      'cache-control': 'no-store',
      ...deprecation,
      ...reply.headers,
    });
  };

  const fault = state.faults.take(method, path);
  try {
    if (fault?.dropConnection === 'beforeHandling') return drop('before handling');
    if (fault?.latencyMs !== undefined) await sleep(fault.latencyMs, undefined, { signal: ctx.signal });
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, state.limits.maxBodyBytes);
    } catch (error) {
      if (fault?.status === undefined) throw error;
      rawBody = Buffer.alloc(0);
    }
    if (fault?.status !== undefined) throw faultError(fault);
    const version = checkAgentVersion(req.headers, state.minAgentVersion);
    if (match.kind === 'not_found') throw new CloudHttpError(404, 'not_found', `There is no endpoint ${path}.`);
    if (match.kind === 'method_not_allowed') {
      throw new CloudHttpError(405, 'method_not_allowed', `${path} does not accept ${method}.`, {
        headers: { allow: match.allow.join(', ') },
      });
    }
    const agentId =
      match.route.auth === 'bearer'
        ? authenticate(req.headers, services, match.route.allowRevoked === true)
        : undefined;
    if (match.route.signed && agentId !== undefined) {
      const header = req.headers[CloudHeaders.signature];
      verifySignature(
        { header: typeof header === 'string' ? header : undefined, method, pathWithQuery: req.url ?? path, rawBody },
        store.agents.signingSecrets(agentId, headersAtMs),
        headersAtMs,
        state.limits.signatureWindowSecs,
      );
    }
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    const body = await decodeContent(rawBody, contentEncoding, state.limits.maxBodyBytes);
    const reply = match.route.handler(
      {
        method,
        path,
        pathWithQuery: req.url ?? path,
        params: match.params,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        body,
        contentEncoding,
        agentId,
        requestId,
      },
      services,
    );
    if (agentId !== undefined) store.agents.touch(agentId, version, state.nowIso());
    if (fault?.delayAfterCommitMs !== undefined)
      await sleep(fault.delayAfterCommitMs, undefined, { signal: ctx.signal });
    if (fault?.dropConnection === 'afterCommit') return drop('after the commit');
    send(reply);
  } catch (error) {
    if (req.socket.destroyed) return finish('client_closed', 'was abandoned by the client before an answer');
    send(errorReply(error, requestId, ctx.log));
  }
}

function errorReply(error: unknown, requestId: string, log: (sentence: string) => void): CloudReply {
  if (error instanceof CloudHttpError) {
    return {
      status: error.status,
      body: errorBody(error.code, error.message, requestId, error.details),
      headers: error.headers,
      note: error.code,
    };
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return {
      status: 503,
      body: errorBody('shutting_down', 'The sandbox is shutting down.', requestId),
      note: 'shutting_down',
    };
  }
  log(
    `Request ${requestId} failed with an unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return {
    status: 500,
    body: errorBody('internal_error', 'The sandbox failed unexpectedly; see its log.', requestId),
    note: 'internal_error',
  };
}
