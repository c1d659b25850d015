/**
 * What the sandbox's own tests need to speak cloud-api.md over real HTTP: a started sandbox in a
 * temp dir, and a minimal enrolled agent that signs what it sends. Deliberately independent of the
 * agent's delivery code, so the two implementations check each other.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BatchRecord, BatchRequest, EnrollResponse } from '../agents/api/cloud.ts';
import { SandboxAdmin } from './admin-client.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from './server.ts';
import { signatureHeader } from './signature.ts';

export const TEST_AGENT_VERSION = '1.4.0';

export interface TestSandbox {
  sandbox: Sandbox;
  admin: SandboxAdmin;
  dir: string;
  dbPath: string;
  cleanup(): Promise<void>;
}

export async function startTestSandbox(options: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'tya-sandbox-'));
  const dbPath = join(dir, 'sandbox.db');
  const sandbox = await startSandbox({ dbPath, filesDir: join(dir, 'files'), ...options });
  return {
    sandbox,
    admin: new SandboxAdmin(sandbox.url),
    dir,
    dbPath,
    cleanup: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  json: unknown;
  text: string;
}

export interface SendOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * Sign the request (default for POST/PUT/DELETE with credentials), with overrides: another secret,
   * time, or the method and path the signature claims (to prove it is bound to them).
   */
  sign?: false | { secret?: string; unixSecs?: number; method?: string; path?: string };
  gzip?: boolean;
  token?: string | null;
}

export async function send(
  url: string,
  method: string,
  path: string,
  options: SendOptions & { signingSecret?: string } = {},
): Promise<Answer> {
  let body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { 'tya-agent-version': TEST_AGENT_VERSION, ...options.headers };
  if (options.gzip === true && body !== undefined) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  if (options.token != null) headers.authorization = `Bearer ${options.token}`;
  const secret = options.sign === false ? undefined : (options.sign?.secret ?? options.signingSecret);
  if (secret !== undefined) {
    const sign = options.sign === false ? undefined : options.sign;
    const unixSecs = sign?.unixSecs ?? Math.floor(Date.now() / 1000);
    headers['tya-signature'] = signatureHeader(
      secret,
      sign?.method ?? method,
      sign?.path ?? path,
      body ?? Buffer.alloc(0),
      unixSecs,
    );
  }
  const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** The error code of an error answer, for terse assertions. */
export function errorCode(answer: Answer): string | undefined {
  return (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
}

/** A minimal agent: enrolls with a fresh key, fetches a token, and signs what it sends. */
export class TestAgent {
  readonly url: string;
  readonly credentials: EnrollResponse;
  token = '';

  private constructor(url: string, credentials: EnrollResponse) {
    this.url = url;
    this.credentials = credentials;
  }

  static async enroll(url: string, admin: SandboxAdmin, name = 'test-agent', entities?: string[]): Promise<TestAgent> {
    const { key } = await admin.createEnrollmentKey(entities === undefined ? {} : { entities });
    const answer = await send(url, 'POST', '/v1/agents/enroll', {
      body: JSON.stringify({ enrollmentKey: key, name, hostname: 'test-host', version: TEST_AGENT_VERSION }),
      headers: { 'content-type': 'application/json' },
    });
    if (answer.status !== 201) throw new Error(`enroll answered ${answer.status}: ${answer.text}`);
    const agent = new TestAgent(url, answer.json as EnrollResponse);
    await agent.refreshToken();
    return agent;
  }

  /** The same agent talking to a sandbox at another URL (a restarted one). */
  withUrl(url: string): TestAgent {
    const moved = new TestAgent(url, this.credentials);
    moved.token = this.token;
    return moved;
  }

  requestToken(clientSecret = this.credentials.clientSecret): Promise<Answer> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.credentials.clientId,
      client_secret: clientSecret,
    });
    return send(this.url, 'POST', '/v1/oauth/token', {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  async refreshToken(): Promise<void> {
    const answer = await this.requestToken();
    if (answer.status !== 200) throw new Error(`token answered ${answer.status}: ${answer.text}`);
    this.token = (answer.json as { access_token: string }).access_token;
  }

  /** An authorized request; POST/PUT bodies are signed with the current signing secret unless told otherwise. */
  call(method: string, path: string, options: SendOptions = {}): Promise<Answer> {
    return send(this.url, method, path, {
      token: this.token,
      ...options,
      signingSecret: method === 'GET' ? undefined : this.credentials.signingSecret,
    });
  }

  postJson(path: string, value: unknown, options: SendOptions = {}): Promise<Answer> {
    return this.call('POST', path, {
      ...options,
      body: options.body ?? JSON.stringify(value),
      headers: { 'content-type': 'application/json', ...options.headers },
    });
  }

  sendBatch(batch: BatchRequest, options: SendOptions = {}): Promise<Answer> {
    return this.postJson('/v1/batches', batch, {
      ...options,
      headers: { 'idempotency-key': batch.batchId, ...options.headers },
    });
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A valid, deterministic ULID for test batch `n`. */
export function testBatchId(n: number): string {
  let suffix = '';
  for (let i = 0, v = n; i < 8; i++, v = Math.floor(v / 32)) suffix = CROCKFORD[v % 32]! + suffix;
  return `01JF3Q8Z7V0K6W1M8N${suffix}`;
}

/** Seqs near the real clock (unix ms × 1000), as an agent's hybrid logical clock numbers them. */
export const SEQ_BASE = Date.now() * 1000;
const seqByContent = new Map<string, number>();

/**
 * A record. Without `seq`, the same key and content always get the same seq (a redelivery) and new
 * content a higher one (a new change), like an agent that captured each state once.
 */
export function testRecord(key: Record<string, string>, data?: Record<string, unknown>, seq?: number): BatchRecord {
  const op = data === undefined ? 'delete' : 'upsert';
  const version = `sha256:${createHash('sha256').update(JSON.stringify({ key, op, data })).digest('hex')}`;
  const identity = `${JSON.stringify(key)}\u0000${version}`;
  if (seq === undefined && !seqByContent.has(identity)) seqByContent.set(identity, SEQ_BASE + seqByContent.size + 1);
  return {
    key,
    op,
    version,
    seq: seq ?? seqByContent.get(identity)!,
    capturedAt: '2026-11-29T15:01:48.000Z',
    ...(data === undefined ? {} : { data: data }),
  };
}

export function testBatch(
  agentId: string,
  n: number,
  records: BatchRecord[],
  stream = 'sales_receipts',
  where: { entity?: string; source?: string } = {},
): BatchRequest {
  return {
    batchId: testBatchId(n),
    agentId,
    entity: where.entity ?? 'store-7',
    source: where.source ?? 'pos-db',
    stream,
    schemaVersion: 1,
    createdAt: '2026-11-29T15:01:49.123Z',
    records,
  };
}
