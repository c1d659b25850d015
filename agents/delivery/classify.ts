/**
 * What to do with the answer to a request (cloud-api.md § Batches): one pure function, so the
 * whole retry policy is a table that a test can read. The client does the I/O, the deliverer
 * applies the outcome to the outbox; neither decides policy.
 */
import { BatchResponseSchema, CloudErrorBodySchema } from '../api/cloud.ts';
import type { BatchResponse } from '../api/cloud.ts';
import { parseRetryAfter } from './backoff.ts';
import { describeClockSkew, measureClockSkewMs, signatureWindowSecs } from './clock-skew.ts';
import { transportFailureOf } from './transport/transport-error.ts';
import type { HttpAnswer, ResponseHeaders } from './http-answer.ts';

/** Why a request did not deliver. Safe to store and show: never holds secrets or tokens. */
export interface DeliveryError {
  code: string;
  message: string;
  /** HTTP status, when the cloud answered at all. */
  status?: number;
  requestId?: string;
  /** On `signature_expired`: the cloud's clock minus this machine's, when the answer told. */
  clockSkewMs?: number;
}

/** What a halt covers (cloud-api.md § Batches): one source, one entity, or the whole agent. */
export type HaltScope = { type: 'agent' } | { type: 'entity'; entity: string } | { type: 'source'; source: string };

export type DeliveryOutcome =
  | { kind: 'delivered'; response: BatchResponse }
  | { kind: 'retry'; waitHintMs?: number; error: DeliveryError }
  | { kind: 'split' }
  | { kind: 'dead-letter'; error: DeliveryError }
  | { kind: 'revoked'; error: DeliveryError }
  | { kind: 'upgrade-required'; error: DeliveryError }
  /** "Not this agent, not now" (401, 403, 404, 407, 409): stop sending what `scope` covers, keep the queue. */
  | { kind: 'refused'; scope: HaltScope; error: DeliveryError };

/** Non-delivered outcomes: what any endpoint's failure can mean. */
export type FailureOutcome = Exclude<DeliveryOutcome, { kind: 'delivered' }>;

export type { HttpAnswer, ResponseHeaders };

/** Retryable statuses of cloud-api.md besides the whole 5xx range. */
const RETRYABLE_4XX = new Set([408, 429]);
/** "Not this agent, not now": halt (scoped), keep the queue, try again every 5 minutes. */
const HALTING = new Set([401, 403, 404, 407, 409]);

/**
 * Classifies a non-2xx answer (cloud-api.md § Batches). `token_expired` and `signature_expired`
 * reach here only after the client's one refresh or re-signed retry: they are retried, never a
 * halt. Other 401s, 403, 404, 407 and 409 halt what they name and keep the queue; 426 asks for an
 * upgrade. Only 400 and 422 carrying the cloud's own error body (with a `requestId`) dead-letter a
 * batch: the same status from a proxy says nothing about the data. Anything else is transient.
 */
export function classifyFailure(answer: HttpAnswer, nowMs: number, where: BatchWhere = {}): FailureOutcome {
  const { status } = answer;
  const error = errorFromBody(answer);
  if (status === 413) return { kind: 'split' };
  if (status === 426) return { kind: 'upgrade-required', error };
  if (status === 401 && error.code === 'agent_revoked') return { kind: 'revoked', error };
  if (status === 401 && error.code === 'signature_expired') {
    return { kind: 'retry', error: clockSkewError(answer, error, nowMs) };
  }
  if (status === 401 && error.code === 'token_expired') return { kind: 'retry', error };
  if (HALTING.has(status)) return { kind: 'refused', scope: haltScope(status, error, where), error };
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    const waitHintMs = parseRetryAfter(answer.headers['retry-after'], nowMs);
    return waitHintMs === undefined ? { kind: 'retry', error } : { kind: 'retry', waitHintMs, error };
  }
  if ((status === 400 || status === 422) && error.requestId !== undefined) return { kind: 'dead-letter', error };
  // Other 4xx, and 1xx/3xx (a redirect is never followed): a proxy or server we do not understand.
  return { kind: 'retry', error: status >= 400 ? error : { ...error, code: 'bad_response' } };
}

/** The batch an answer is about, so a scoped refusal can name its source or entity. */
export interface BatchWhere {
  entity?: string;
  source?: string;
}

function haltScope(status: number, error: DeliveryError, where: BatchWhere): HaltScope {
  if (status === 409 && error.code === 'source_owned' && where.source !== undefined) {
    return { type: 'source', source: where.source };
  }
  if (status === 403 && error.code === 'entity_not_allowed' && where.entity !== undefined) {
    return { type: 'entity', entity: where.entity };
  }
  return { type: 'agent' };
}

/**
 * Classifies the answer to `POST /v1/batches`. A 2xx counts only when its body is the contract's
 * JSON, echoes the batch id, and its counts add up to the records sent; anything else is a
 * transient failure (a proxy's page, a truncated body), never a delivery.
 */
export function classifyBatchAnswer(
  answer: HttpAnswer,
  batch: { batchId: string; records: number; entity?: string; source?: string },
  nowMs: number,
): DeliveryOutcome {
  if (answer.status < 200 || answer.status > 299) {
    return classifyFailure(answer, nowMs, { entity: batch.entity, source: batch.source });
  }
  const parsed = BatchResponseSchema.safeParse(answer.body);
  if (!parsed.success) return badResponse(answer.status, 'the batch response does not match cloud-api.md');
  const r = parsed.data;
  if (r.batchId !== batch.batchId) {
    return badResponse(answer.status, `the batch response is for batch ${r.batchId}, not ${batch.batchId}`);
  }
  const counted = r.accepted + r.duplicates + r.stale + r.rejected.length;
  const indexes = [...r.staleIndexes, ...r.rejected.map((x) => x.index)];
  if (
    counted !== batch.records ||
    r.staleIndexes.length !== r.stale ||
    new Set(indexes).size !== indexes.length ||
    indexes.some((i) => i >= batch.records)
  ) {
    return badResponse(
      answer.status,
      `its counts (${r.accepted} accepted, ${r.duplicates} duplicates, ${r.stale} stale, ${r.rejected.length} rejected) ` +
        `do not add up to the ${batch.records} records sent`,
    );
  }
  return { kind: 'delivered', response: r };
}

/**
 * A request that got no HTTP answer: refused, reset, timed out, DNS are worth retrying. A TLS or
 * proxy failure that only configuration can fix (untrusted or expired certificate, pin, client
 * certificate, proxy login) halts delivery with an alert that says what to configure.
 */
export function classifyNetworkError(error: unknown, origin: string): FailureOutcome {
  const transport = transportFailureOf(error, URL.canParse(origin) ? new URL(origin).host : origin);
  if (transport !== undefined) {
    return { kind: 'refused', scope: { type: 'agent' }, error: { code: transport.code, message: transport.message } };
  }
  return {
    kind: 'retry',
    error: { code: networkErrorCode(error), message: `Cannot reach the cloud at ${origin}: ${networkReason(error)}.` },
  };
}

export function badResponse(status: number, why: string): FailureOutcome {
  return {
    kind: 'retry',
    error: { code: 'bad_response', status, message: `The cloud answered HTTP ${status} but ${why}; will retry.` },
  };
}

/** The cloud's words are about signatures; the operator needs to hear about the clock. */
function clockSkewError(answer: HttpAnswer, error: DeliveryError, nowMs: number): DeliveryError {
  const skewMs = measureClockSkewMs(answer, nowMs);
  const message = describeClockSkew(skewMs, signatureWindowSecs(answer.body));
  return skewMs === undefined ? { ...error, message } : { ...error, message, clockSkewMs: skewMs };
}

function errorFromBody(answer: HttpAnswer): DeliveryError {
  const parsed = CloudErrorBodySchema.safeParse(answer.body);
  if (parsed.success) {
    const { code, message, requestId } = parsed.data.error;
    return requestId === undefined
      ? { code, message, status: answer.status }
      : { code, message, status: answer.status, requestId };
  }
  return {
    code: `http_${answer.status}`,
    message: `The cloud answered HTTP ${answer.status} without an error body.`,
    status: answer.status,
  };
}

function networkErrorCode(error: unknown): string {
  if (isTimeout(error)) return 'timeout';
  return 'network_error';
}

function isTimeout(error: unknown): boolean {
  const code = errorProperty(error, 'code');
  const name = errorProperty(error, 'name');
  return (
    name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT'
  );
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running and the URL right?)',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  ENOTFOUND: 'the host name does not resolve (check DNS or the URL)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  EHOSTUNREACH: 'the host is unreachable (check the network or proxy)',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the connection closed before the answer arrived',
  UND_ERR_CLOSED: 'the connection was closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer within the timeout',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled within the timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  ETIMEDOUT: 'connecting timed out',
};

function networkReason(error: unknown): string {
  const code = errorProperty(error, 'code') ?? errorProperty(errorProperty(error, 'cause'), 'code');
  if (typeof code === 'string' && NETWORK_REASONS[code] !== undefined) return NETWORK_REASONS[code];
  if (isTimeout(error)) return 'no answer within the timeout';
  const message = errorProperty(error, 'message');
  return typeof message === 'string' && message !== '' ? message : 'the request failed';
}

function errorProperty(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as Record<string, unknown>)[key];
}
