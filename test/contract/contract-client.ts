/**
 * The contract suite's own small client for cloud-api.md: its own HMAC v2 signer, its own RFC 8785
 * canonicaliser and Ed25519 check, plain fetch. It shares nothing with the agent's delivery code or
 * the sandbox beyond the zod schemas of agents/api, so it checks both from the outside.
 */
import { createHash, createHmac, createPublicKey, verify } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { BatchRecord, BatchRequest, EnrollResponse } from '../../agents/api/cloud.ts';

export const CONTRACT_AGENT_VERSION = '9.0.0';

export interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

export interface Signing {
  secret: string;
  /** Defaults to now (plus `offsetSecs`). */
  unixSecs?: number;
  /** What the signature claims, when a test wants it to differ from the request. */
  method?: string;
  path?: string;
}

export interface RequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
  token?: string;
  sign?: Signing;
  gzip?: boolean;
}

/** `TYA-Signature` v2: HMAC-SHA256 over "t\nMETHOD\npath?query\nsha256(body)". */
export function signV2(secret: string, unixSecs: number, method: string, pathWithQuery: string, body: Buffer): string {
  const digest = createHash('sha256').update(body).digest('hex');
  const mac = createHmac('sha256', secret).update(`${unixSecs}\n${method}\n${pathWithQuery}\n${digest}`).digest('hex');
  return `t=${unixSecs},v2=${mac}`;
}

/** RFC 8785 canonical JSON (members sorted by UTF-16 code units, ECMAScript number and string forms). */
export function jcs(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    keys.sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('not JSON');
  return JSON.stringify(value);
}

/** True when `object.sig` is the cloud key's Ed25519 signature over the canonical JSON of the object without it. */
export function verifyCloudSignature(cloudKeyBase64: string, object: Record<string, unknown>): boolean {
  const { sig, ...unsigned } = object;
  if (typeof sig !== 'string') return false;
  const key = createPublicKey({ key: Buffer.from(cloudKeyBase64, 'base64'), format: 'der', type: 'spki' });
  return verify(null, Buffer.from(jcs(unsigned), 'utf8'), key, Buffer.from(sig, 'base64'));
}

export function errorCode(answer: Answer): string | undefined {
  return (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
}

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Answer> {
  let body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = {
    'tya-agent-version': CONTRACT_AGENT_VERSION,
    'user-agent': `tya-agent/${CONTRACT_AGENT_VERSION}`,
    ...options.headers,
  };
  if (options.gzip === true && body !== undefined) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.sign !== undefined) {
    const s = options.sign;
    headers['tya-signature'] = signV2(
      s.secret,
      s.unixSecs ?? Math.floor(Date.now() / 1000),
      s.method ?? method,
      s.path ?? path,
      body ?? Buffer.alloc(0),
    );
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

let seqCounter = 0;
/** A fresh seq near now, as a hybrid logical clock would give it (unix ms × 1000, strictly increasing here). */
export function nextSeq(): number {
  seqCounter += 1;
  return Date.now() * 1000 + seqCounter;
}

/** A record with a version that digests its content (as the contract describes it). */
export function record(
  key: Record<string, string>,
  data: Record<string, unknown> | null,
  seq: number,
  extra: { group?: string; capturedAt?: string } = {},
): BatchRecord {
  const op = data === null ? 'delete' : 'upsert';
  const version = `sha256:${createHash('sha256').update(jcs({ key, op, data })).digest('hex')}`;
  return {
    key,
    op,
    version,
    seq,
    capturedAt: extra.capturedAt ?? new Date().toISOString(),
    ...(data === null ? {} : { data }),
    ...(extra.group === undefined ? {} : { group: extra.group }),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A random ULID-shaped batch id. */
export function batchId(): string {
  let id = '';
  for (let i = 0; i < 26; i++) id += CROCKFORD[Math.floor(Math.random() * 32)]!;
  return `0${id.slice(1)}`;
}

/** A unique name, so runs against a cloud that keeps its data do not meet each other. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface HeldCredentials extends EnrollResponse {
  hostname: string;
}

/** An enrolled agent of the contract suite: a token, a signing secret, and a clock offset learnt from `Date`. */
export class ContractAgent {
  readonly baseUrl: string;
  credentials: HeldCredentials;
  token = '';
  /** Seconds to add to the local clock when signing (learnt from a signature_expired answer). */
  offsetSecs = 0;

  constructor(baseUrl: string, credentials: HeldCredentials) {
    this.baseUrl = baseUrl;
    this.credentials = credentials;
  }

  get agentId(): string {
    return this.credentials.agentId;
  }

  /** The first entity the cloud lets this agent send for. */
  get entity(): string {
    return this.credentials.entities[0]!;
  }

  requestToken(clientSecret = this.credentials.clientSecret): Promise<Answer> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.credentials.clientId,
      client_secret: clientSecret,
    });
    return request(this.baseUrl, 'POST', '/v1/oauth/token', {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  async refreshToken(): Promise<void> {
    const answer = await this.requestToken();
    if (answer.status !== 200) throw new Error(`The token request answered ${answer.status}: ${answer.text}`);
    this.token = (answer.json as { access_token: string }).access_token;
  }

  /** A bearer request; POST, PUT and DELETE are signed unless `sign` is given (or null: unsigned). */
  call(
    method: string,
    path: string,
    options: Omit<RequestOptions, 'sign'> & { sign?: Partial<Signing> | null } = {},
  ): Promise<Answer> {
    const signed = method !== 'GET' && options.sign !== null;
    return request(this.baseUrl, method, path, {
      token: this.token,
      ...options,
      sign: signed
        ? {
            secret: this.credentials.signingSecret,
            unixSecs: Math.floor(Date.now() / 1000) + this.offsetSecs,
            ...(options.sign ?? {}),
          }
        : undefined,
    });
  }

  postJson(path: string, value: unknown, options: Parameters<ContractAgent['call']>[2] = {}): Promise<Answer> {
    return this.call('POST', path, {
      ...options,
      body: options.body ?? JSON.stringify(value),
      headers: { 'content-type': 'application/json', ...options.headers },
    });
  }

  batch(
    where: { source: string; stream: string; entity?: string },
    records: BatchRecord[],
    id = batchId(),
  ): BatchRequest {
    return {
      batchId: id,
      agentId: this.agentId,
      entity: where.entity ?? this.entity,
      source: where.source,
      stream: where.stream,
      schemaVersion: 1,
      createdAt: new Date().toISOString(),
      records,
    };
  }

  sendBatch(batch: BatchRequest, options: Parameters<ContractAgent['call']>[2] = {}): Promise<Answer> {
    return this.postJson('/v1/batches', batch, {
      ...options,
      headers: { 'idempotency-key': batch.batchId, ...options.headers },
    });
  }

  heartbeat(extra: Record<string, unknown> = {}): Promise<Answer> {
    return this.postJson(`/v1/agents/${this.agentId}/heartbeat`, {
      version: CONTRACT_AGENT_VERSION,
      uptimeSecs: 12,
      sentAt: new Date().toISOString(),
      channel: 'heartbeat',
      queue: { depth: 0, oldestAgeSecs: null, deadLetters: 0 },
      sources: [],
      alerts: [],
      auditHead: null,
      acks: [],
      ...extra,
    });
  }
}
