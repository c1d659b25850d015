/**
 * The in-process rig for the clock-driven scenarios: the real Deliverer and CloudClient, a real
 * outbox file, the real keychain, and the real sandbox behind the fault proxy, all reading one
 * injected clock (the sandbox too, so token expiry and the signature window follow virtual time).
 * It records what the agent did (every post with its virtual time and outcome, every request's
 * headers) so a scenario can assert waits and signatures, and what it enqueued, for the reconciler.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent as UndiciAgent } from 'undici';
import type { Dispatcher } from 'undici';
import type { BatchRequest } from '../../../agents/api/cloud.ts';
import type { JsonObject, Lane, SourceRecord } from '../../../agents/api/index.ts';
import { CloudClient, Deliverer, enrollAgent } from '../../../agents/delivery/index.ts';
import type {
  BatchPoster,
  DelivererEvent,
  DelivererOutbox,
  DeliveryOutcome,
  Enrollment,
  RequestOptions,
} from '../../../agents/delivery/index.ts';
import { Outbox } from '../../../agents/outbox/index.ts';
import type { Clock } from '../../../agents/pipeline/clock.ts';
import { createSilentLogger } from '../../../agents/telemetry/logger.ts';
import { KeytarSecretStore, SecretRefs } from '../../../agents/vault/index.ts';
import { SandboxAdmin } from '../../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../sandbox/server.ts';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.ts';
import type { SourceRow } from '../../helpers/reconcile.ts';
import { seededRandom } from '../../../agents/pipeline/seeded-random.ts';

export const AGENT_VERSION = '1.4.0';
export const SOURCE = 'pos-db';

/** One call of postBatch as the deliverer made it: when (virtual), what, and how it ended. */
export interface PostRecord {
  at: number;
  batchId: string;
  stream: string;
  createdAt: string;
  records: number;
  outcome: DeliveryOutcome['kind'];
  code?: string;
  waitHintMs?: number;
}

/** Headers of one HTTP request as it left the agent. */
export interface SentRequest {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** Wraps the real client: counts requests on the wire (so virtual time holds still) and records outcomes. */
export class RecordingPoster implements BatchPoster {
  readonly posts: PostRecord[] = [];
  inFlight = 0;
  readonly #client: BatchPoster;
  readonly #clock: Clock;

  constructor(client: BatchPoster, clock: Clock) {
    this.#client = client;
    this.#clock = clock;
  }

  async postBatch(request: BatchRequest, options?: RequestOptions): Promise<DeliveryOutcome> {
    this.inFlight += 1;
    const at = this.#clock.now();
    try {
      const outcome = await this.#client.postBatch(request, options);
      const post: PostRecord = {
        at,
        batchId: request.batchId,
        stream: request.stream,
        createdAt: request.createdAt,
        records: request.records.length,
        outcome: outcome.kind,
      };
      if ('error' in outcome) post.code = outcome.error.code;
      if (outcome.kind === 'retry' && outcome.waitHintMs !== undefined) post.waitHintMs = outcome.waitHintMs;
      this.posts.push(post);
      return outcome;
    } finally {
      this.inFlight -= 1;
    }
  }
}

export interface CloudHarness {
  dir: string;
  clock: Clock;
  sandbox: Sandbox;
  admin: SandboxAdmin;
  /** The proxy currently listening (replaced by proxyUp()). */
  proxy(): FaultProxy;
  outbox: Outbox;
  enrollment: Enrollment;
  client: CloudClient;
  poster: RecordingPoster;
  sent: SentRequest[];
  events: DelivererEvent[];
  /** What the "source" holds: the latest content per key, for the reconciler. */
  sourceRows(stream?: string): SourceRow[];
  /** A deliverer over the harness's outbox (or a wrapper around it) and recording client. */
  deliverer(options?: {
    outbox?: DelivererOutbox;
    batchMaxRecords?: number;
    retry?: { baseMs: number; maxMs: number };
    onEvent?: (event: DelivererEvent) => void;
  }): Deliverer;
  /** Enqueues `count` receipts from id `from` (with the checkpoint a source would commit). */
  enqueue(
    from: number,
    count: number,
    options?: { stream?: string; lane?: Lane; revision?: number; pad?: number; big?: string },
  ): void;
  /** Nothing listens on the cloud's port any more: connection refused. */
  proxyDown(): Promise<void>;
  /** The proxy listens again on the same port, passing traffic untouched. */
  proxyUp(): Promise<void>;
  close(): Promise<void>;
}

export async function startCloudHarness(options: {
  clock: Clock;
  label: string;
  sandbox?: Partial<SandboxOptions>;
  seed?: number;
  timeoutMs?: number;
}): Promise<CloudHarness> {
  const { clock } = options;
  const dir = mkdtempSync(join(tmpdir(), `tya-${options.label}-`));
  const sandbox = await startSandbox({
    port: 0,
    dbPath: join(dir, 'cloud.sqlite'),
    now: () => clock.now(),
    ...options.sandbox,
  });
  const admin = new SandboxAdmin(sandbox.url);
  const target = { host: '127.0.0.1', port: Number(new URL(sandbox.url).port) };
  let proxy: FaultProxy | null = await startFaultProxy({ target, seed: options.seed ?? 1 });
  const port = proxy.port;
  const outbox = Outbox.open({
    path: join(dir, 'outbox.sqlite'),
    maxBytes: 64 * 1024 * 1024,
    synchronous: 'FULL',
    clock,
  });
  const secrets = new KeytarSecretStore({ namespace: `faults-${options.label}-${randomUUID()}` });
  const { key } = await admin.createEnrollmentKey();
  const enrollment = await enrollAgent({
    url: proxy.url(),
    enrollmentKey: key,
    name: options.label,
    hostname: 'fault-rig',
    version: AGENT_VERSION,
    secrets,
    outbox,
    clock,
  });

  const sent: SentRequest[] = [];
  const base = new UndiciAgent({
    keepAliveTimeout: 30_000,
    connections: 8,
    connectTimeout: options.timeoutMs ?? 5_000,
  });
  const dispatcher: Dispatcher = base.compose((dispatch) => (opts, handler) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((opts.headers ?? {}) as Record<string, string>))
      headers[name.toLowerCase()] = value;
    sent.push({ at: clock.now(), method: opts.method, path: opts.path, headers });
    return dispatch(opts, handler);
  });
  const client = new CloudClient({
    baseUrl: enrollment.cloudUrl,
    agentVersion: AGENT_VERSION,
    timeoutMs: options.timeoutMs ?? 5_000,
    clock,
    dispatcher,
    credentials: {
      agentId: enrollment.agentId,
      clientId: enrollment.clientId,
      getClientSecret: async () => (await secrets.get(SecretRefs.clientSecret))!,
      getSigningSecret: async () => (await secrets.get(SecretRefs.signingSecret))!,
    },
  });
  const poster = new RecordingPoster(client, clock);
  const events: DelivererEvent[] = [];
  const deliverers: Deliverer[] = [];
  const rows = new Map<string, SourceRow>();
  let checkpoint = 0;

  return {
    dir,
    clock,
    sandbox,
    admin,
    proxy: () => {
      if (proxy === null) throw new Error('The proxy is down.');
      return proxy;
    },
    outbox,
    enrollment,
    client,
    poster,
    sent,
    events,
    sourceRows: (stream) => [...rows.values()].filter((r) => stream === undefined || r.stream === stream),
    deliverer: (o = {}) => {
      const deliverer = new Deliverer({
        outbox: o.outbox ?? outbox,
        client: poster,
        agentId: enrollment.agentId,
        entity: 'store-7',
        limits: { batchMaxRecords: o.batchMaxRecords ?? 50, batchMaxBytes: 4_000_000, batchMaxAgeMs: 0 },
        retry: o.retry ?? { baseMs: 500, maxMs: 300_000 },
        clock,
        random: seededRandom(options.seed ?? 1),
        logger: createSilentLogger(),
        onEvent: (event) => {
          events.push(event);
          o.onEvent?.(event);
        },
      });
      deliverers.push(deliverer);
      return deliverer;
    },
    enqueue: (from, count, o = {}) => {
      const stream = o.stream ?? 'receipts';
      const records: SourceRecord[] = [];
      for (let i = from; i < from + count; i++) {
        const data: JsonObject = {
          receipt_id: String(i),
          total: `${i}.${String(i % 100).padStart(2, '0')}`,
          currency: 'EUR',
          revision: String(o.revision ?? 1),
          note: 'x'.repeat(o.pad ?? 40),
        };
        if (o.big !== undefined && i === from) data.attachment = o.big;
        const key = { receipt_id: String(i) };
        records.push({ stream, key, op: 'upsert', data, capturedAt: new Date(clock.now()).toISOString() });
        rows.set(`${stream}/${i}`, { stream, key, data });
      }
      outbox.enqueue({ source: SOURCE, stream, lane: o.lane ?? 'bulk', records, checkpoint: { seq: ++checkpoint } });
      for (const deliverer of deliverers) deliverer.notify();
    },
    proxyDown: async () => {
      await proxy?.close();
      proxy = null;
    },
    proxyUp: async () => {
      proxy ??= await startFaultProxy({ target, listenPort: port, seed: options.seed ?? 1 });
    },
    close: async () => {
      for (const deliverer of deliverers) await deliverer.stop({ graceMs: 0 });
      await client.close();
      await base.close();
      for (const ref of Object.values(SecretRefs)) await secrets.delete(ref);
      outbox.close();
      await proxy?.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
