/**
 * Pipelining in the delivery loop (lane-window.ts): several batches of one stream in flight at once,
 * each record sent once, and a failure closing the window until the cloud delivers again. A real
 * outbox file; the cloud is a gate the test opens answer by answer (HTTP is covered against the real
 * sandbox in test/integration/delivery-*.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchRequest } from '../api/cloud.ts';
import type { SourceRecord } from '../api/records.ts';
import { Outbox } from '../outbox/index.ts';
import { systemClock } from '../pipeline/clock.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import type { DeliveryOutcome } from './classify.ts';
import { Deliverer, type BatchPoster } from './deliverer.ts';

/** Holds every request until the test answers it. */
class GatedCloud implements BatchPoster {
  readonly calls: Array<{ request: BatchRequest; answer: (outcome: DeliveryOutcome) => void; answered: boolean }> = [];
  maxOpen = 0;

  get open(): number {
    return this.calls.filter((c) => !c.answered).length;
  }

  postBatch(request: BatchRequest): Promise<DeliveryOutcome> {
    return new Promise((resolve) => {
      const call = {
        request,
        answered: false,
        answer: (outcome: DeliveryOutcome) => {
          call.answered = true;
          resolve(outcome);
        },
      };
      this.calls.push(call);
      this.maxOpen = Math.max(this.maxOpen, this.open);
    });
  }

  answerOpen(outcome: (request: BatchRequest) => DeliveryOutcome = delivered): void {
    for (const call of this.calls.filter((c) => !c.answered)) call.answer(outcome(call.request));
  }
}

const delivered = (request: BatchRequest): DeliveryOutcome => ({
  kind: 'delivered',
  response: { batchId: request.batchId, accepted: request.records.length, duplicates: 0, stale: 0, staleIndexes: [], rejected: [] },
});
const busy = (): DeliveryOutcome => ({ kind: 'retry', error: { code: 'service_unavailable', message: 'Busy.' } });

let dir: string;
let outbox: Outbox;
const stops: Array<() => Promise<void>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tya-pipeline-'));
  outbox = Outbox.open({ path: join(dir, 'outbox.sqlite'), maxBytes: 8 * 1024 * 1024, synchronous: 'FULL', clock: systemClock });
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function deliverer(cloud: BatchPoster): Deliverer {
  const d = new Deliverer({
    outbox,
    client: cloud,
    agentId: 'ag_1',
    entity: 'store-7',
    limits: { batchMaxRecords: 50, batchMaxBytes: 1_000_000, batchMaxAgeMs: 0 },
    retry: { baseMs: 1, maxMs: 5 },
    clock: systemClock,
    random: () => 0.5,
    logger: createSilentLogger(),
    inFlightPerLane: 3,
  });
  stops.push(() => d.stop());
  return d;
}

function enqueue(stream: string, count: number): void {
  const records: SourceRecord[] = Array.from({ length: count }, (_, n) => ({
    stream,
    key: { id: String(n) },
    op: 'upsert',
    data: { id: String(n), total: `${n}.00` },
    capturedAt: '2026-11-29T15:00:00.000Z',
  }));
  outbox.enqueue({ source: 'pos', stream, lane: 'bulk', records, checkpoint: count });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('Deliverer pipelining', () => {
  it('keeps up to inFlightPerLane batches of one stream in flight and sends each record once', async () => {
    const cloud = new GatedCloud();
    enqueue('receipts', 500); // 10 batches of 50
    deliverer(cloud).start();
    await until(() => cloud.open === 3, 'three batches in flight');
    await settle();
    expect(cloud.calls).toHaveLength(3); // the window is full: no fourth
    while (outbox.stats().depth > 0) {
      cloud.answerOpen();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(cloud.maxOpen).toBe(3);
    const sent = cloud.calls.flatMap((c) => c.request.records.map((r) => r.key['id']));
    expect(sent).toHaveLength(500);
    expect(new Set(sent).size).toBe(500);
    expect(outbox.stats()).toMatchObject({ depth: 0, delivered: 500 });
  });

  it('after a failed answer sends nothing new until the cloud delivers again, then opens the window fully', async () => {
    const cloud = new GatedCloud();
    enqueue('a', 50);
    enqueue('b', 250);
    deliverer(cloud).start();
    await until(() => cloud.open === 3, 'three batches in flight');
    const [first, second] = cloud.calls;
    expect(first!.request.stream).toBe('a');
    first!.answer(busy());
    await settle();
    expect(cloud.calls).toHaveLength(3); // one came back failed, two still out: the window is closed
    second!.answer(delivered(second!.request));
    await until(() => cloud.open === 3, 'the window open again');
    expect(cloud.calls).toHaveLength(5);
    while (outbox.stats().depth > 0) {
      cloud.answerOpen();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(outbox.stats()).toMatchObject({ depth: 0, delivered: 300 });
    // Stream a's batch went twice (same id: the retry), everything else once.
    const ids = cloud.calls.map((c) => c.request.batchId);
    expect(ids.filter((id) => id === first!.request.batchId)).toHaveLength(2);
    expect(new Set(ids).size).toBe(ids.length - 1);
  });
});
