/**
 * The delivery loop against the real sandbox on loopback, with a real outbox file and the real
 * keychain: volume, token expiry, Retry-After, 413 splits, per-record rejections, revocation.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lane, SourceRecord } from '../../agents/api/records.ts';
import { CloudClient, Deliverer, enrollAgent } from '../../agents/delivery/index.ts';
import type { DelivererEvent, Enrollment } from '../../agents/delivery/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import type { Clock } from '../../agents/pipeline/clock.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { createSilentLogger } from '../../agents/telemetry/logger.ts';
import { KeytarSecretStore } from '../../agents/vault/keytar-secret-store.ts';
import { SecretRefs } from '../../agents/vault/secret-store.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox } from '../../sandbox/server.ts';
import type { Sandbox, SandboxOptions } from '../../sandbox/server.ts';
import { seededRandom } from '../../agents/pipeline/seeded-random.ts';

const VERSION = '1.4.0';
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  sandbox: Sandbox;
  admin: SandboxAdmin;
  outbox: Outbox;
  enrollment: Enrollment;
  /** Every request the sandbox finished, with the real time it finished. */
  requests: Array<{ at: number; sentence: string }>;
  events: DelivererEvent[];
  client(clock?: Clock): CloudClient;
  deliverer(options?: { client?: CloudClient; batchMaxRecords?: number }): Deliverer;
  enqueue(
    from: number,
    count: number,
    options?: { lane?: Lane; stream?: string; tweak?: (r: SourceRecord) => void },
  ): void;
}

async function harness(sandboxOptions: Partial<SandboxOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'tya-delivery-loop-'));
  const requests: Harness['requests'] = [];
  const sandbox = await startSandbox({
    port: 0,
    dbPath: join(dir, 'cloud.sqlite'),
    log: (sentence) => requests.push({ at: Date.now(), sentence }),
    ...sandboxOptions,
  });
  const admin = new SandboxAdmin(sandbox.url);
  const outbox = Outbox.open({
    path: join(dir, 'outbox.sqlite'),
    maxBytes: 64 * 1024 * 1024,
    synchronous: 'FULL',
    clock: systemClock,
  });
  const secrets = new KeytarSecretStore({ namespace: `delivery-loop-${randomUUID()}` });
  cleanups.push(async () => {
    for (const ref of Object.values(SecretRefs)) await secrets.delete(ref);
    outbox.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { key } = await admin.createEnrollmentKey();
  const enrollment = await enrollAgent({
    url: sandbox.url,
    enrollmentKey: key,
    name: 'till',
    hostname: 'pos-1',
    version: VERSION,
    secrets,
    outbox,
  });
  const events: DelivererEvent[] = [];
  let sequence = 0;

  const client = (clock: Clock = systemClock) => {
    const c = new CloudClient({
      baseUrl: sandbox.url,
      agentVersion: VERSION,
      timeoutMs: 10_000,
      clock,
      credentials: {
        agentId: enrollment.agentId,
        clientId: enrollment.clientId,
        getClientSecret: async () => (await secrets.get(SecretRefs.clientSecret))!,
        getSigningSecret: async () => (await secrets.get(SecretRefs.signingSecret))!,
      },
    });
    cleanups.push(() => c.close());
    return c;
  };

  return {
    sandbox,
    admin,
    outbox,
    enrollment,
    requests,
    events,
    client,
    deliverer: (options = {}) => {
      const deliverer = new Deliverer({
        outbox,
        client: options.client ?? client(),
        agentId: enrollment.agentId,
        entity: 'store-7',
        limits: { batchMaxRecords: options.batchMaxRecords ?? 100, batchMaxBytes: 4_000_000, batchMaxAgeMs: 10 },
        retry: { baseMs: 50, maxMs: 200 },
        clock: systemClock,
        random: seededRandom(1234),
        logger: createSilentLogger(),
        onEvent: (event) => events.push(event),
      });
      cleanups.push(() => deliverer.stop());
      return deliverer;
    },
    enqueue: (from, count, options = {}) => {
      const stream = options.stream ?? 'sales_receipts';
      const records: SourceRecord[] = [];
      for (let i = from; i < from + count; i++) {
        const record: SourceRecord = {
          stream,
          key: { receipt_id: String(i) },
          op: 'upsert',
          data: { receipt_id: String(i), total: `${i}.50`, currency: 'EUR', note: 'x'.repeat(40) },
          capturedAt: new Date(Date.UTC(2026, 10, 29, 15, 0, 0, i)).toISOString(),
        };
        options.tweak?.(record);
        records.push(record);
      }
      outbox.enqueue({
        source: 'pos-db',
        stream,
        lane: options.lane ?? 'bulk',
        records,
        checkpoint: { seq: ++sequence },
      });
    },
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

const drained = (h: Harness) => () => h.outbox.stats().depth === 0;

describe('Deliverer against the sandbox', () => {
  it('delivers 1,000 records in batches exactly once, gzipped, money as strings', async () => {
    const h = await harness();
    const deliverer = h.deliverer({ batchMaxRecords: 100 });
    deliverer.start();
    for (let chunk = 0; chunk < 4; chunk++) {
      h.enqueue(chunk * 250, 250);
      deliverer.notify();
    }
    await waitFor(drained(h), 'the outbox to drain');

    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(1000);
    expect(counts.duplicates).toBe(0);
    expect(counts.rejected).toBe(0);
    expect(counts.retransmissions).toBe(0);
    expect(counts.batchesApplied).toBeGreaterThanOrEqual(10);
    expect(h.outbox.stats().delivered).toBe(1000);

    const records = await h.admin.records({ limit: 5000 });
    expect(new Set(records.map((r) => r.key.receipt_id)).size).toBe(1000);
    expect(records.find((r) => r.key.receipt_id === '7')?.data).toMatchObject({ total: '7.50' });
    expect((await h.admin.batches()).every((b) => b.contentEncoding === 'gzip')).toBe(true);
    const delivered = h.events.filter((e) => e.type === 'delivered');
    expect(delivered.reduce((sum, e) => sum + (e.type === 'delivered' ? e.accepted : 0), 0)).toBe(1000);
    expect(h.events.filter((e) => e.type === 'cloud-ok')).toHaveLength(1);
  });

  it('gets a new token when the cloud says the cached one expired, and refreshes short-lived tokens early', async () => {
    const h = await harness({ tokenTtlSecs: 1 });
    // A clock that never moves: this client trusts its cached token until the cloud refuses it.
    const frozenAt = Date.now();
    const frozen: Clock = { now: () => frozenAt, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    const deliverer = h.deliverer({ client: h.client(frozen) });
    deliverer.start();
    h.enqueue(0, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the first batch');

    const early = h.client();
    const firstToken = await early.fetchToken();
    await sleep(1_100);
    // This client's clock moved past half the token's life, so it fetched a new one before using it.
    expect(await early.fetchToken()).not.toBe(firstToken);

    h.enqueue(10, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the second batch');

    const counts = await h.admin.counts();
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 2, '401': 1 });
    expect(counts.requests['POST /v1/oauth/token']).toEqual({ '200': 4 });
    // The refresh and the second try happened inside the one delivery attempt: no retry was scheduled.
    expect(h.events.filter((e) => e.type === 'retry-scheduled')).toEqual([]);
    expect(counts.recordsAccepted).toBe(20);
  });

  it('waits at least Retry-After after a 503, then delivers', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', status: 503, retryAfter: 2, times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 10);
    deliverer.start();
    await waitFor(drained(h), 'delivery after the 503', 8_000);

    const batchLines = h.requests.filter((r) => r.sentence.startsWith('POST /v1/batches'));
    expect(batchLines.map((r) => /answered (\d+)/.exec(r.sentence)?.[1])).toEqual(['503', '200']);
    expect(batchLines[1]!.at - batchLines[0]!.at).toBeGreaterThanOrEqual(2_000);
    const retry = h.events.find((e) => e.type === 'retry-scheduled');
    expect(retry).toMatchObject({ code: 'service_unavailable' });
    expect(retry?.type === 'retry-scheduled' && retry.waitMs).toBeGreaterThanOrEqual(2_000);
    expect((await h.admin.counts()).recordsAccepted).toBe(10);
  });

  it('splits a batch the cloud finds too large (413) until every record is delivered', async () => {
    const h = await harness({ maxRecordsPerBatch: 50 });
    const deliverer = h.deliverer({ batchMaxRecords: 200 });
    h.enqueue(0, 200);
    deliverer.start();
    await waitFor(drained(h), 'the split batches');

    const counts = await h.admin.counts();
    // 200 → 413; 100 + 100 → 413 each; four batches of 50 → 200.
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 4, '413': 3 });
    expect(counts.recordsAccepted).toBe(200);
    expect(h.outbox.stats().deadLetters).toBe(0);
    expect(h.events.filter((e) => e.type === 'split')).toHaveLength(3);
  });

  it('dead-letters only the record the cloud rejects and delivers the rest', async () => {
    const h = await harness();
    const deliverer = h.deliverer();
    h.enqueue(0, 20, {
      tweak: (r) => {
        if (r.key.receipt_id === '5') r.data = { ...r.data, total: 12.5 };
      },
    });
    deliverer.start();
    await waitFor(drained(h), 'the batch');

    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(19);
    expect(counts.rejected).toBe(1);
    const deadLetters = h.outbox.listDeadLetters();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ key: { receipt_id: '5' }, reasonCode: 'number_not_allowed' });
    expect(deadLetters[0]!.reasonMessage).toContain('data.total');
    expect(h.outbox.stats().delivered).toBe(19);
    expect(h.events.find((e) => e.type === 'delivered')).toMatchObject({ accepted: 19, rejected: 1 });
  });

  it('stops delivering when the agent is revoked, keeps the queue and raises a critical alert', async () => {
    const h = await harness();
    const deliverer = h.deliverer();
    deliverer.start();
    h.enqueue(0, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the first batch');

    await h.admin.revokeAgent(h.enrollment.agentId);
    h.enqueue(10, 10);
    deliverer.notify();
    await waitFor(() => h.events.some((e) => e.type === 'revoked'), 'the revocation');
    await sleep(300);

    expect(deliverer.halted?.kind).toBe('revoked');
    expect(h.outbox.stats().depth).toBe(10);
    expect(h.outbox.listAlerts()).toContainEqual(
      expect.objectContaining({ code: 'agent_revoked', severity: 'critical' }),
    );
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(10);
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 1, '401': 1 });

    // The batch was not retried or dead-lettered, just handed back: the same records wait.
    await deliverer.stop();
    const waiting = h.outbox.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: 4_000_000 });
    expect(waiting?.records.map((r) => r.key.receipt_id)).toEqual(Array.from({ length: 10 }, (_, i) => String(10 + i)));
    expect(waiting?.attempts).toBe(0);
  });
});
