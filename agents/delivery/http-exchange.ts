/**
 * One HTTP round trip to the cloud over undici: shared keep-alive connections, the version headers
 * every request carries, a timeout, and a response body that is always read or destroyed (an
 * unread body pins its socket and the pool slowly starves). Returns classified failures instead of
 * throwing, so callers see one shape for "the cloud said no" and "the cloud was not there".
 */
import { Readable } from 'node:stream';
import { CloudTransport, DEFAULT_TRANSPORT_CONFIG } from './transport/cloud-transport.ts';
import type { Dispatcher } from 'undici';
import { classifyFailure, classifyNetworkError } from './classify.ts';
import type { BatchWhere, FailureOutcome } from './classify.ts';
import { firstHeader, type HttpAnswer, type ResponseHeaders } from './http-answer.ts';

/** A response body larger than this is a misbehaving server, not data: stop reading. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface DeprecationNotice {
  /** The `Deprecation` header (RFC 9745), e.g. `@1767225600`. */
  deprecation: string | undefined;
  /** The `Sunset` header (RFC 8594), an HTTP-date. */
  sunset: string | undefined;
  /** The request path that carried the notice. */
  path: string;
}

export interface HttpExchangeOptions {
  baseUrl: string;
  agentVersion: string;
  timeoutMs: number;
  /** The agent's CloudTransport (cloud-link.ts); by default one with default settings per client. */
  dispatcher?: Dispatcher;
  onDeprecation?: (notice: DeprecationNotice) => void;
  now: () => number;
}

export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, starting with `/v1/`. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | StreamedBody;
  signal?: AbortSignal;
  /** The batch a failure is about, so a scoped refusal names its source or entity. */
  where?: BatchWhere;
  /** A 2xx answer's body is kept as bytes, not parsed as JSON (`GET /v1/files`: a file's content). */
  rawBody?: boolean;
}

/**
 * A body read piece by piece as it is sent (a file original of any size, never whole in memory):
 * its length and SHA-256 are known beforehand (the signature covers the hash), and `chunks` can be
 * opened again for a retry.
 */
export interface StreamedBody {
  bytes: number;
  sha256: string;
  chunks: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export type ExchangeResult = { ok: true; answer: HttpAnswer } | { ok: false; outcome: FailureOutcome };

export class HttpExchange {
  readonly origin: string;
  readonly #pathPrefix: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #options: HttpExchangeOptions;
  #lastNotice = '';

  constructor(options: HttpExchangeOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
    this.#options = options;
    this.#ownsDispatcher = options.dispatcher === undefined;
    // Without one given, still the agent's transport (system roots, proxy from the environment): no request bypasses it.
    this.#dispatcher =
      options.dispatcher ??
      new CloudTransport({
        config: DEFAULT_TRANSPORT_CONFIG,
        readSecret: () => Promise.resolve(undefined),
        timeoutMs: options.timeoutMs,
      }).dispatcher;
  }

  /** The path as it goes on the wire (the base URL's own path first): what a signature covers. */
  pathOnWire(path: string): string {
    return this.#pathPrefix + path;
  }

  async send(request: ExchangeRequest): Promise<ExchangeResult> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
    const headers: Record<string, string> = {
      'user-agent': `tya-agent/${this.#options.agentVersion}`,
      'tya-agent-version': this.#options.agentVersion,
      accept: 'application/json',
      ...request.headers,
      ...(request.body === undefined || request.body instanceof Uint8Array
        ? {}
        : { 'content-length': String(request.body.bytes) }),
    };
    let response: Dispatcher.ResponseData;
    try {
      response = await this.#dispatcher.request({
        origin: this.origin,
        path: this.#pathPrefix + request.path,
        method: request.method,
        headers,
        body:
          request.body === undefined
            ? null
            : request.body instanceof Uint8Array
              ? request.body
              : Readable.from(request.body.chunks(), { objectMode: false }),
        signal,
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
      });
    } catch (error) {
      return { ok: false, outcome: classifyNetworkError(error, this.origin) };
    }
    let bytes: Buffer;
    try {
      bytes = await readBounded(response.body);
    } catch (error) {
      return { ok: false, outcome: classifyNetworkError(error, this.origin) };
    }
    const raw = request.rawBody === true && response.statusCode >= 200 && response.statusCode <= 299;
    const answer: HttpAnswer = { status: response.statusCode, headers: response.headers, body: raw ? bytes : parseJson(bytes.toString('utf8')) };
    this.#noticeDeprecation(answer.headers, request.path);
    if (answer.status >= 200 && answer.status <= 299) return { ok: true, answer };
    if (answer.status === 304) return { ok: true, answer };
    return { ok: false, outcome: classifyFailure(answer, this.#options.now(), request.where) };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #noticeDeprecation(headers: ResponseHeaders, path: string): void {
    const deprecation = firstHeader(headers, 'deprecation');
    const sunset = firstHeader(headers, 'sunset');
    if (deprecation === undefined && sunset === undefined) return;
    // Once per distinct notice: every response repeats it, the operator needs it once.
    const fingerprint = `${deprecation ?? ''}|${sunset ?? ''}`;
    if (fingerprint === this.#lastNotice) return;
    this.#lastNotice = fingerprint;
    this.#options.onDeprecation?.({ deprecation, sunset, path });
  }
}

async function readBounded(body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new Error(`the response is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
