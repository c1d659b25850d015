/**
 * What to do with the answer to a request (cloud-api.md § Batches): one pure function, so the
 * whole retry policy is a table that a test can read. The client does the I/O, the deliverer
 * applies the outcome to the outbox; neither decides policy.
 */
import { BatchResponseSchema, CloudErrorBodySchema } from '../api/cloud.ts';
import type { BatchResponse } from '../api/cloud.ts';
import { parseRetryAfter } from './backoff.ts';
import { describeClockSkew, measureClockSkewMs, signatureWindowSecs } from './clock-skew.ts';

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

export type DeliveryOutcome =
  | { kind: 'delivered'; response: BatchResponse }
  | { kind: 'retry'; waitHintMs?: number; error: DeliveryError }
  | { kind: 'split' }
  | { kind: 'dead-letter'; error: DeliveryError }
  | { kind: 'revoked'; error: DeliveryError }
  | { kind: 'upgrade-required'; error: DeliveryError };

/** Non-delivered outcomes: what any endpoint's failure can mean. */
export type FailureOutcome = Exclude<DeliveryOutcome, { kind: 'delivered' }>;

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** An HTTP answer, its body already read and JSON-parsed (undefined when it was not JSON). */
export interface HttpAnswer {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
}

/** Retryable statuses of cloud-api.md besides the whole 5xx range. */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * Classifies a non-2xx answer. 401 is about credentials, never about the batch's content, so
 * apart from `agent_revoked` it is retried instead of dead-lettering every queued batch:
 * `token_expired` after the client's one refresh, `signature_expired` (clock skew) and
 * `bad_signature` (a rotation racing a request) all heal without touching the data.
 */
export function classifyFailure(answer: HttpAnswer, nowMs: number): FailureOutcome {
  const { status } = answer;
  const error = errorFromBody(answer);
  if (status === 413) return { kind: 'split' };
  if (status === 426) return { kind: 'upgrade-required', error };
  if (status === 401 && error.code === 'agent_revoked') return { kind: 'revoked', error };
  if (status === 401 && error.code === 'signature_expired') {
    return { kind: 'retry', error: clockSkewError(answer, error, nowMs) };
  }
  if (status === 401) return { kind: 'retry', error };
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    const waitHintMs = parseRetryAfter(answer.headers['retry-after'], nowMs);
    return waitHintMs === undefined ? { kind: 'retry', error } : { kind: 'retry', waitHintMs, error };
  }
  if (status >= 400) return { kind: 'dead-letter', error };
  // 1xx/3xx here mean a proxy or server we do not understand: wait and ask again.
  return { kind: 'retry', error: { ...error, code: 'bad_response' } };
}

/** Classifies the answer to `POST /v1/batches` for the batch with `batchId`. */
export function classifyBatchAnswer(answer: HttpAnswer, batchId: string, nowMs: number): DeliveryOutcome {
  if (answer.status < 200 || answer.status > 299) return classifyFailure(answer, nowMs);
  const parsed = BatchResponseSchema.safeParse(answer.body);
  if (!parsed.success) return badResponse(answer.status, 'the batch response does not match cloud-api.md');
  if (parsed.data.batchId !== batchId) {
    return badResponse(answer.status, `the batch response is for batch ${parsed.data.batchId}, not ${batchId}`);
  }
  return { kind: 'delivered', response: parsed.data };
}

/** A request that got no HTTP answer: refused, reset, timed out, DNS. Always worth retrying. */
export function classifyNetworkError(error: unknown, origin: string): FailureOutcome {
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
