/**
 * The agent's side of cloud-api.md: tokens, signed batches, files, heartbeat, reference data and
 * enrollment. Every answer is parsed with the shared zod schemas; an answer that does not parse is
 * a `bad_response` to retry, never a crash. Tokens and secrets stay in memory and out of errors.
 */
import {
  WritebackListResponseSchema,
  type WritebackListResponse,
  type WritebackResult,
} from '../api/writeback.ts';
import type { Dispatcher } from 'undici';
import {
  EnrollResponseSchema,
  FilePutResponseSchema,
  filePutPath,
  HeartbeatResponseSchema,
  ReferenceListSchema,
  RotateResponseSchema,
  TokenResponseSchema,
} from '../api/cloud.ts';
import type {
  BatchRequest,
  CloudCommand,
  EnrollRequest,
  EnrollResponse,
  FilePutResponse,
  HeartbeatRequest,
  ReferenceList,
  RotateResponse,
  SeqFloors,
} from '../api/cloud.ts';
import { isAllowedCloudUrl } from '../api/config.ts';
import type { Clock } from '../pipeline/clock.ts';
import { systemClock } from '../pipeline/clock.ts';
import { PermanentError } from '../pipeline/errors.ts';
import { encodeBatchBodyAsync } from './batch-body.ts';
import { badResponse, classifyBatchAnswer } from './classify.ts';
import type { DeliveryOutcome, FailureOutcome, HttpAnswer } from './classify.ts';
import { measureClockSkewMs } from './clock-skew.ts';
import { errorFromFailure } from './cloud-errors.ts';
import { firstHeader } from './http-answer.ts';
import { HttpExchange } from './http-exchange.ts';
import type { DeprecationNotice, ExchangeRequest, ExchangeResult, StreamedBody } from './http-exchange.ts';
import { signatureHeader } from './signature.ts';
import { TokenCache } from './token-cache.ts';

export interface CloudCredentials {
  agentId: string;
  clientId: string;
  /** Read from the keychain when needed, so the client never holds more than it must. */
  getClientSecret(): Promise<string>;
  getSigningSecret(): Promise<string>;
}

export interface CloudClientOptions {
  baseUrl: string;
  agentVersion: string;
  timeoutMs: number;
  credentials: CloudCredentials;
  clock?: Clock;
  onDeprecation?: (notice: DeprecationNotice) => void;
  /** Every token answer carries the cloud's seq floors (cloud-api.md § Batches). */
  onSeqFloors?: (floors: SeqFloors) => void;
  /** The cloud's clock minus this machine's, measured from each answer's Date header. */
  onClockSkew?: (skewMs: number) => void;
  dispatcher?: Dispatcher;
}

export interface RequestOptions {
  /** Aborts the request (the deliverer's stop()). */
  signal?: AbortSignal;
}

export interface FileMeta {
  fileName: string;
  source: string;
  contentType: string;
  /** The books the file belongs to; the cloud keeps files per entity. */
  entity: string;
  /** For files an export wrote (`run-export`). */
  exportName?: string;
}

export interface HeartbeatAnswer {
  commands: CloudCommand[];
  seqFloors: SeqFloors;
  auditHeadAck: string | null;
}

export type PutFileResult = FilePutResponse & { created: boolean };

export type ReferenceResult =
  { notModified: true } | { notModified: false; etag: string | undefined; list: ReferenceList };

export type EnrollResult = { ok: true; value: EnrollResponse } | { ok: false; outcome: FailureOutcome };

type Parsed<T> = { ok: true; value: T; answer: HttpAnswer } | { ok: false; outcome: FailureOutcome };

export class CloudClient {
  readonly #http: HttpExchange;
  readonly #credentials: CloudCredentials;
  readonly #clock: Clock;
  readonly #tokens: TokenCache<FailureOutcome>;
  readonly #onSeqFloors: ((floors: SeqFloors) => void) | undefined;
  readonly #onClockSkew: ((skewMs: number) => void) | undefined;
  /**
   * The cloud's clock minus ours, learnt from a `signature_expired` answer's Date header: signatures
   * are stamped in the cloud's time so a skewed clock costs one retry, not a halt.
   */
  #clockOffsetMs = 0;

  constructor(options: CloudClientOptions) {
    assertAllowedUrl(options.baseUrl);
    this.#clock = options.clock ?? systemClock;
    this.#credentials = options.credentials;
    this.#onSeqFloors = options.onSeqFloors;
    this.#onClockSkew = options.onClockSkew;
    this.#http = new HttpExchange({
      baseUrl: options.baseUrl,
      agentVersion: options.agentVersion,
      timeoutMs: options.timeoutMs,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      ...(options.onDeprecation === undefined ? {} : { onDeprecation: options.onDeprecation }),
      now: () => this.#clock.now(),
    });
    this.#tokens = new TokenCache(() => this.#requestToken(), this.#clock);
  }

  /**
   * `POST /v1/agents/enroll`: the one call without a token or signature (there is no secret yet).
   * Returns the classified failure so the caller can word it for a person.
   */
  static async enroll(
    baseUrl: string,
    request: EnrollRequest,
    options: { agentVersion?: string; timeoutMs?: number; dispatcher?: Dispatcher; clock?: Clock } = {},
  ): Promise<EnrollResult> {
    assertAllowedUrl(baseUrl);
    const clock = options.clock ?? systemClock;
    const http = new HttpExchange({
      baseUrl,
      agentVersion: options.agentVersion ?? request.version,
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      now: () => clock.now(),
    });
    try {
      const result = await http.send({
        method: 'POST',
        path: '/v1/agents/enroll',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(request), 'utf8'),
      });
      if (!result.ok) return result;
      const parsed = EnrollResponseSchema.safeParse(result.answer.body);
      if (!parsed.success)
        return {
          ok: false,
          outcome: badResponse(result.answer.status, 'the enrollment answer does not match cloud-api.md'),
        };
      return { ok: true, value: parsed.data };
    } finally {
      await http.close();
    }
  }

  /** A bearer token (cached until shortly before it expires). Throws a typed error when none can be had. */
  async fetchToken(): Promise<string> {
    const result = await this.#tokens.get();
    if (!result.ok) throw errorFromFailure(result.failure);
    return result.token;
  }

  /** The cloud refused this token (the tunnel's 4001): the next fetchToken gets a new one. */
  invalidateToken(token: string): void {
    this.#tokens.invalidate(token);
  }

  /** The measured offset of the cloud's clock (ms, cloud minus this machine), for status and doctor. */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** `POST /v1/batches`: gzip above 1 KB, signed over the bytes sent, idempotent by batchId. */
  async postBatch(request: BatchRequest, options: RequestOptions = {}): Promise<DeliveryOutcome> {
    const encoded = await encodeBatchBodyAsync(request);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': request.batchId,
    };
    if (encoded.contentEncoding !== undefined) headers['content-encoding'] = encoded.contentEncoding;
    const result = await this.#authorized({
      method: 'POST',
      path: '/v1/batches',
      headers,
      body: encoded.bytes,
      where: { entity: request.entity, source: request.source },
      ...signalOf(options),
    });
    if (!result.ok) return result.outcome;
    return classifyBatchAnswer(
      result.answer,
      { batchId: request.batchId, records: request.records.length, entity: request.entity, source: request.source },
      this.#clock.now(),
    );
  }

  /** `PUT /v1/files/{sha256}`: idempotent by content hash (201 first time, 200 after). */
  async putFile(
    sha256: string,
    bytes: Uint8Array | StreamedBody,
    meta: FileMeta,
    options: RequestOptions = {},
  ): Promise<PutFileResult> {
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new Error(`putFile needs a lowercase hex sha256, got ${sha256.length} characters`);
    const path = filePutPath(sha256, {
      entity: meta.entity,
      source: meta.source,
      name: meta.fileName,
      ...(meta.exportName === undefined ? {} : { exportName: meta.exportName }),
    });
    const parsed = this.#parse(
      await this.#authorized({
        method: 'PUT',
        path,
        headers: { 'content-type': meta.contentType },
        body: bytes,
        ...signalOf(options),
      }),
      (body) => FilePutResponseSchema.safeParse(body),
      'the file answer does not match cloud-api.md',
    );
    if (!parsed.ok) throw errorFromFailure(parsed.outcome);
    return { ...parsed.value, created: parsed.answer.status === 201 };
  }

  /** `GET /v1/files/{sha256}?entity=`: a file the cloud holds for the entity (a payment file to push); bytes unverified. */
  async getFile(sha256: string, entity: string, options: RequestOptions = {}): Promise<Uint8Array> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`getFile needs a lowercase hex sha256, got ${sha256.length} characters`);
    const parsed = this.#parse<Uint8Array>(
      await this.#authorized({
        method: 'GET',
        path: `/v1/files/${sha256}?entity=${encodeURIComponent(entity)}`,
        headers: {},
        rawBody: true,
        ...signalOf(options),
      }),
      (body) => (body instanceof Uint8Array ? { success: true as const, data: body } : { success: false as const }),
      'the file answer has no body',
    );
    if (!parsed.ok) throw errorFromFailure(parsed.outcome);
    return parsed.value;
  }

  /** `POST /v1/agents/{agentId}/heartbeat` → the commands the cloud queued, its seq floors and audit head. */
  async heartbeat(body: HeartbeatRequest, options: RequestOptions = {}): Promise<HeartbeatAnswer> {
    const parsed = this.#parse(
      await this.#authorized({
        method: 'POST',
        path: `/v1/agents/${encodeURIComponent(this.#credentials.agentId)}/heartbeat`,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(body), 'utf8'),
        ...signalOf(options),
      }),
      (data) => HeartbeatResponseSchema.safeParse(data),
      'the heartbeat answer does not match cloud-api.md',
    );
    if (!parsed.ok) throw errorFromFailure(parsed.outcome);
    this.#onSeqFloors?.(parsed.value.seqFloors);
    return parsed.value;
  }

  /** `DELETE /v1/agents/{agentId}`: unregister (uninstall); the agent's sources are free for another. */
  async unregister(options: RequestOptions = {}): Promise<void> {
    const result = await this.#authorized({
      method: 'DELETE',
      path: `/v1/agents/${encodeURIComponent(this.#credentials.agentId)}`,
      headers: {},
      body: new Uint8Array(),
      ...signalOf(options),
    });
    if (!result.ok) throw errorFromFailure(result.outcome);
  }

  /**
   * `GET /v1/reference/{name}[?entity=…]` with `If-None-Match`, so an unchanged list costs a 304; with
   * an entity, the cloud answers that entity's own list where it keeps one.
   */
  async getReference(
    name: string,
    etag?: string,
    options: RequestOptions & { entity?: string } = {},
  ): Promise<ReferenceResult> {
    const headers: Record<string, string> = etag === undefined ? {} : { 'if-none-match': etag };
    const query = options.entity === undefined ? '' : `?entity=${encodeURIComponent(options.entity)}`;
    const result = await this.#authorized({
      method: 'GET',
      path: `/v1/reference/${encodeURIComponent(name)}${query}`,
      headers,
      ...signalOf(options),
    });
    if (result.ok && result.answer.status === 304) return { notModified: true };
    const parsed = this.#parse(
      result,
      (body) => ReferenceListSchema.safeParse(body),
      'the reference list does not match cloud-api.md',
    );
    if (!parsed.ok) throw errorFromFailure(parsed.outcome);
    return { notModified: false, etag: firstHeader(parsed.answer.headers, 'etag'), list: parsed.value };
  }

  /** `GET /v1/agents/{agentId}/writebacks?after=&limit=`: the cloud's write-back items after the cursor. */
  async getWritebacks(after: string, limit: number, options: RequestOptions = {}): Promise<WritebackListResponse> {
    const query = `?after=${encodeURIComponent(after)}&limit=${limit}`;
    const parsed = this.#parse(
      await this.#authorized({
        method: 'GET',
        path: `/v1/agents/${encodeURIComponent(this.#credentials.agentId)}/writebacks${query}`,
        headers: {},
        ...signalOf(options),
      }),
      (body) => WritebackListResponseSchema.safeParse(body),
      'the write-back list does not match cloud-api.md',
    );
    if (!parsed.ok) throw errorFromFailure(parsed.outcome);
    return parsed.value;
  }

  /** `POST /v1/agents/{agentId}/writebacks/{id}/result`, signed like batches. */
  async postWritebackResult(result: WritebackResult, options: RequestOptions = {}): Promise<void> {
    const result_ = await this.#authorized({
      method: 'POST',
      path: `/v1/agents/${encodeURIComponent(this.#credentials.agentId)}/writebacks/${encodeURIComponent(result.id)}/result`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result), 'utf8'),
      ...signalOf(options),
    });
    if (!result_.ok) throw errorFromFailure(result_.outcome);
  }

  /** `POST /v1/agents/{agentId}/rotate`: new secrets; the caller stores them in the keychain. */
  async rotateCredentials(idempotencyKey: string, options: RequestOptions = {}): Promise<RotateResponse> {
    const parsed = this.#parse(
      await this.#authorized({
        method: 'POST',
        path: `/v1/agents/${encodeURIComponent(this.#credentials.agentId)}/rotate`,
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: Buffer.from('{}', 'utf8'),
        ...signalOf(options),
      }),
      (body) => RotateResponseSchema.safeParse(body),
      'the rotation answer does not match cloud-api.md',
    );
    if (!parsed.ok) throw errorFromFailure(parsed.outcome);
    // The token was issued for the old client secret; the next call fetches one with the new.
    this.#tokens.clear();
    return parsed.value;
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  /**
   * Bearer token + signature. A refused token gets one fresh token and one more try; a signature the
   * cloud found too old or new (`signature_expired`) is re-stamped in the cloud's time, measured from
   * its Date header, and tried once more: a skewed clock never halts delivery.
   */
  async #authorized(request: ExchangeRequest): Promise<ExchangeResult> {
    let tokenRetried = false;
    let resigned = false;
    for (;;) {
      const token = await this.#tokens.get();
      if (!token.ok) return { ok: false, outcome: token.failure };
      const result = await this.#http.send(
        await this.#signed({ ...request, headers: { ...request.headers, authorization: `Bearer ${token.token}` } }),
      );
      if (result.ok) {
        this.#noteClock(result.answer);
        return result;
      }
      if (isTokenRefused(result.outcome) && !tokenRetried) {
        // Expired, or unknown to a cloud that lost its token table: either way this token is done.
        this.#tokens.invalidate(token.token);
        tokenRetried = true;
        continue;
      }
      const skewMs = signatureSkewMs(result.outcome);
      if (skewMs !== undefined && !resigned) {
        this.#clockOffsetMs = skewMs;
        resigned = true;
        continue;
      }
      return result;
    }
  }

  /**
   * Keeps the signature clock honest from the cloud's Date header: a skew past half the signature
   * window is used for stamping (so signatures stay valid), a small one is left to this machine's clock.
   */
  #noteClock(answer: HttpAnswer): void {
    const skewMs = measureClockSkewMs(answer, this.#clock.now());
    if (skewMs === undefined) return;
    this.#clockOffsetMs = Math.abs(skewMs) > SKEW_COMPENSATE_MS ? skewMs : 0;
    this.#onClockSkew?.(skewMs);
  }

  async #signed(request: ExchangeRequest): Promise<ExchangeRequest> {
    if (request.method === 'GET') return request;
    const secret = await this.#credentials.getSigningSecret();
    const signature = signatureHeader(
      secret,
      { method: request.method, pathWithQuery: this.#http.pathOnWire(request.path), body: request.body ?? new Uint8Array() },
      Math.floor((this.#clock.now() + this.#clockOffsetMs) / 1000),
    );
    return { ...request, headers: { ...request.headers, 'tya-signature': signature } };
  }

  async #requestToken(): Promise<
    { ok: true; value: { token: string; expiresInSecs: number } } | { ok: false; failure: FailureOutcome }
  > {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.#credentials.clientId,
      client_secret: await this.#credentials.getClientSecret(),
    });
    // Not signed (cloud-api.md § Signatures): the client secret is the proof here.
    const result = await this.#http.send({
      method: 'POST',
      path: '/v1/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(form.toString(), 'utf8'),
    });
    const parsed = this.#parse(
      result,
      (body) => TokenResponseSchema.safeParse(body),
      'the token answer does not match cloud-api.md',
    );
    if (!parsed.ok) return { ok: false, failure: parsed.outcome };
    this.#onSeqFloors?.(parsed.value.seqFloors);
    return { ok: true, value: { token: parsed.value.access_token, expiresInSecs: parsed.value.expires_in } };
  }

  #parse<T>(
    result: ExchangeResult,
    parse: (body: unknown) => { success: true; data: T } | { success: false },
    why: string,
  ): Parsed<T> {
    if (!result.ok) return result;
    const parsed = parse(result.answer.body);
    if (!parsed.success) return { ok: false, outcome: badResponse(result.answer.status, why) };
    return { ok: true, value: parsed.data, answer: result.answer };
  }
}

/** `401 token_expired` (cloud-api.md) or `invalid_token` (RFC 6750 §3.1): get a new token, try once more. */
function isTokenRefused(outcome: FailureOutcome): boolean {
  return (
    outcome.kind === 'retry' &&
    outcome.error.status === 401 &&
    (outcome.error.code === 'token_expired' || outcome.error.code === 'invalid_token')
  );
}

function signalOf(options: RequestOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

/** Half the cloud's 300 s signature window: beyond it, signatures are stamped in the cloud's time. */
const SKEW_COMPENSATE_MS = 150_000;

/** On `signature_expired` with a measurable skew: the cloud's clock minus ours. */
function signatureSkewMs(outcome: FailureOutcome): number | undefined {
  if (outcome.kind !== 'retry' || outcome.error.code !== 'signature_expired') return undefined;
  return outcome.error.clockSkewMs;
}

function assertAllowedUrl(baseUrl: string): void {
  let allowed: boolean;
  try {
    allowed = isAllowedCloudUrl(baseUrl);
  } catch {
    allowed = false;
  }
  if (!allowed) {
    throw new PermanentError('cloud_url_not_allowed', `The cloud URL ${baseUrl} is not allowed.`, {
      hint: 'Use https://, or http:// only for a loopback sandbox (127.0.0.1, ::1, localhost).',
    });
  }
}
