/**
 * A real sandbox on loopback, a real outbox file and a real keychain entry, enrolled and ready: the
 * setup every delivery integration test starts from. Register `runDeliveryCleanups` in afterEach.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export const VERSION = '1.4.0';
const cleanups: Array<() => unknown> = [];

export async function runDeliveryCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

export interface Harness {
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

export async function harness(sandboxOptions: Partial<SandboxOptions> = {}): Promise<Harness> {
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
      onSeqFloors: (floors) => outbox.raiseSeqFloors(floors),
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
