/**
 * Delivery under faults, against the real sandbox on loopback with a real outbox file and the real
 * keychain: urgent records overtaking a stuck bulk request, the cloud going away and coming back on
 * the same port, a connection dropped after the cloud committed, and stop() with a request in flight.
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
  /** Closes the sandbox (the cloud is gone) and starts it again on the same port with the same data. */
  stopCloud(): Promise<void>;
  startCloud(): Promise<void>;
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
  const open = (port: number) =>
    startSandbox({
      port,
      dbPath: join(dir, 'cloud.sqlite'),
      log: (sentence) => requests.push({ at: Date.now(), sentence }),
      ...sandboxOptions,
    });
  let sandbox: Sandbox | undefined = await open(0);
  const url = sandbox.url;
  const admin = new SandboxAdmin(url);
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
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { key } = await admin.createEnrollmentKey();
  const enrollment = await enrollAgent({
    url,
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
      baseUrl: url,
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
    get sandbox() {
      return sandbox!;
    },
    stopCloud: async () => {
      await sandbox?.close();
      sandbox = undefined;
    },
    startCloud: async () => {
      sandbox = await open(Number(new URL(url).port));
    },
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

async function faultsArmed(h: Harness): Promise<number> {
  const response = await fetch(`${h.sandbox.url}/admin/faults`);
  return ((await response.json()) as { faults: unknown[] }).faults.length;
}

describe('Deliverer under faults', () => {
  it('delivers an urgent record while a bulk request is stuck in the cloud', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 3_000, times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 50, { stream: 'sales_lines' });
    deliverer.start();
    await waitFor(async () => (await faultsArmed(h)) === 0, 'the bulk request to reach the slow cloud');

    const enqueuedAt = Date.now();
    h.enqueue(9000, 1, { stream: 'shift_close', lane: 'urgent' });
    deliverer.notify();
    await waitFor(() => h.events.some((e) => e.type === 'delivered' && e.lane === 'urgent'), 'the urgent batch');
    const urgentAfterMs = Date.now() - enqueuedAt;
    expect(h.events.some((e) => e.type === 'delivered' && e.lane === 'bulk')).toBe(false);
    expect(urgentAfterMs).toBeLessThan(1_500);

    await waitFor(drained(h), 'the bulk batch', 8_000);
    const lanes = h.events.filter((e) => e.type === 'delivered').map((e) => (e.type === 'delivered' ? e.lane : ''));
    expect(lanes).toEqual(['urgent', 'bulk']);
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(51);
    expect(counts.duplicates).toBe(0);
  });

  it('holds the queue while the cloud is down and drains it, once, when it is back on the same port', async () => {
    const h = await harness();
    const deliverer = h.deliverer({ batchMaxRecords: 25 });
    deliverer.start();
    h.enqueue(0, 10);
    deliverer.notify();
    await waitFor(drained(h), 'the first batch');

    await h.stopCloud();
    h.enqueue(10, 100);
    deliverer.notify();
    await waitFor(
      () => h.events.filter((e) => e.type === 'retry-scheduled').length >= 3,
      'retries while the cloud is down',
    );
    expect(h.outbox.stats().depth).toBe(100);
    const refused = h.events.find((e) => e.type === 'cloud-error');
    expect(refused).toMatchObject({ code: 'network_error' });
    expect(refused?.type === 'cloud-error' && refused.message).toContain('connection refused');

    await h.startCloud();
    await waitFor(drained(h), 'the queue to drain after the cloud came back');
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(110);
    expect(counts.duplicates).toBe(0);
    const records = await h.admin.records({ limit: 1000 });
    expect(new Set(records.map((r) => r.key.receipt_id)).size).toBe(110);
    expect(h.events.filter((e) => e.type === 'cloud-ok')).toHaveLength(2);
  });

  it('resends a batch whose answer was lost after the commit; the cloud replays it and applies nothing twice', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', dropConnection: 'afterCommit', times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 30);
    deliverer.start();
    await waitFor(drained(h), 'the batch');

    const counts = await h.admin.counts();
    expect(counts.requests['POST /v1/batches']).toEqual({ dropped: 1, '200': 1 });
    expect(counts.retransmissions).toBe(1);
    expect(counts.recordsAccepted).toBe(30);
    expect(counts.duplicates).toBe(0);
    expect(counts.batchesApplied).toBe(1);
    expect(await h.admin.records({ limit: 100 })).toHaveLength(30);
    expect(h.events.find((e) => e.type === 'retry-scheduled')).toMatchObject({ code: 'network_error' });
  });

  it('stop() aborts a request the cloud sits on and hands the batch back untouched', async () => {
    const h = await harness();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', latencyMs: 5_000, times: 1 });
    const deliverer = h.deliverer();
    h.enqueue(0, 5);
    deliverer.start();
    await waitFor(async () => (await faultsArmed(h)) === 0, 'the request to reach the slow cloud');

    const stopping = Date.now();
    await deliverer.stop({ graceMs: 100 });
    expect(Date.now() - stopping).toBeLessThan(2_000);
    expect(h.events.filter((e) => e.type === 'retry-scheduled')).toEqual([]);

    const again = h.deliverer();
    again.start();
    await waitFor(drained(h), 'the batch after a restart', 8_000);
    const counts = await h.admin.counts();
    expect(counts.recordsAccepted).toBe(5);
    expect(counts.duplicates).toBe(0);
  });
});
