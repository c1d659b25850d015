/**
 * The loop's own decisions, with a real outbox file and a clock that runs 1000× fast: backoff and
 * Retry-After timing, byte-identical resends, halting and restarting, dead letters, local failures.
 * The HTTP side is covered against the real sandbox in test/integration/delivery-*.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchRequest } from '../api/cloud.ts';
import type { SourceRecord } from '../api/records.ts';
import { Outbox } from '../outbox/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { systemClock } from '../pipeline/clock.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { encodeBatchBody } from './batch-body.ts';
import type { DeliveryOutcome } from './classify.ts';
import { Deliverer, HALT_RETRY_MS } from './deliverer.ts';
import type { BatchPoster } from './deliverer.ts';
import type { DelivererEvent } from './deliverer-events.ts';

const SPEEDUP = 1000;

/** Virtual time that runs SPEEDUP× faster than the wall clock: a 30 s wait takes 30 ms. */
function fastClock(): Clock {
  const realStart = Date.now();
  const virtualStart = Date.UTC(2026, 10, 29, 15, 0, 0);
  return {
    now: () => virtualStart + (Date.now() - realStart) * SPEEDUP,
    sleep: (ms, signal) => systemClock.sleep(Math.ceil(ms / SPEEDUP), signal),
  };
}

/** Answers postBatch from a script, recording what was sent and when (virtual time). */
class ScriptedCloud implements BatchPoster {
  readonly calls: Array<{ at: number; request: BatchRequest }> = [];
  readonly #script: Array<(request: BatchRequest) => DeliveryOutcome>;
  readonly #clock: Clock;

  constructor(clock: Clock, script: Array<(request: BatchRequest) => DeliveryOutcome>) {
    this.#clock = clock;
    this.#script = script;
  }

  postBatch(request: BatchRequest): Promise<DeliveryOutcome> {
    this.calls.push({ at: this.#clock.now(), request });
    const next = this.#script.shift() ?? delivered;
    return Promise.resolve().then(() => next(request));
  }
}

const delivered = (request: BatchRequest): DeliveryOutcome => ({
  kind: 'delivered',
  response: { batchId: request.batchId, accepted: request.records.length, duplicates: 0, stale: 0, staleIndexes: [], rejected: [] },
});
const networkDown = (): DeliveryOutcome => ({
  kind: 'retry',
  error: { code: 'network_error', message: 'Cannot reach the cloud.' },
});

let dir: string;
let clock: Clock;
let outbox: Outbox;
let events: DelivererEvent[];
const stops: Array<() => Promise<void>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tya-deliverer-'));
  clock = fastClock();
  outbox = Outbox.open({ path: join(dir, 'outbox.sqlite'), maxBytes: 1024 * 1024, synchronous: 'FULL', clock });
  events = [];
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function deliverer(cloud: BatchPoster, random = () => 0.5): Deliverer {
  const d = new Deliverer({
    outbox,
    client: cloud,
    agentId: 'ag_1',
    entity: 'store-7',
    limits: { batchMaxRecords: 50, batchMaxBytes: 1_000_000, batchMaxAgeMs: 0 },
    retry: { baseMs: 1_000, maxMs: 60_000 },
    clock,
    random,
    logger: createSilentLogger(),
    onEvent: (e) => events.push(e),
  });
  stops.push(() => d.stop());
  return d;
}

function enqueue(count: number, from = 0): void {
  const records: SourceRecord[] = Array.from({ length: count }, (_, n) => ({
    stream: 'receipts',
    key: { id: String(from + n) },
    op: 'upsert',
    data: { id: String(from + n), total: `${from + n}.00` },
    capturedAt: '2026-11-29T15:00:00.000Z',
  }));
  outbox.enqueue({ source: 'pos', stream: 'receipts', lane: 'bulk', records, checkpoint: from + count });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Deliverer', () => {
  it('backs off with jitter, honours Retry-After, and resends the same bytes', async () => {
    const cloud = new ScriptedCloud(clock, [
      networkDown,
      () => ({ kind: 'retry', waitHintMs: 30_000, error: { code: 'service_unavailable', message: 'Busy.' } }),
      networkDown,
      delivered,
    ]);
    enqueue(10);
    deliverer(cloud, () => 0.5).start();
    await until(() => outbox.stats().depth === 0, 'delivery');

    expect(cloud.calls).toHaveLength(4);
    const gaps = cloud.calls.slice(1).map((c, i) => c.at - cloud.calls[i]!.at);
    // random() = 0.5: half of min(cap, 1000·2^attempts) → 500, then max(1000, 30 000), then 2000.
    expect(gaps[0]).toBeGreaterThanOrEqual(500);
    expect(gaps[1]).toBeGreaterThanOrEqual(30_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(2_000);
    const bodies = cloud.calls.map((c) => Buffer.from(encodeBatchBody(c.request).bytes).toString('base64'));
    expect(new Set(bodies).size).toBe(1);
    expect(
      events.filter((e) => e.type === 'retry-scheduled').map((e) => e.type === 'retry-scheduled' && e.waitMs),
    ).toEqual([500, 30_000, 2_000]);
  });

  it('dead-letters a batch the cloud refuses with a 4xx and goes on with the next', async () => {
    const cloud = new ScriptedCloud(clock, [
      () => ({
        kind: 'dead-letter',
        error: { code: 'invalid_batch', message: 'records[0].key is empty', status: 400 },
      }),
    ]);
    enqueue(50);
    enqueue(5, 50);
    deliverer(cloud).start();
    await until(() => outbox.stats().depth === 0, 'the queue to empty');
    expect(outbox.stats().deadLetters).toBe(50);
    expect(outbox.listDeadLetters({ limit: 1 })[0]).toMatchObject({ reasonCode: 'invalid_batch' });
    expect(outbox.stats().delivered).toBe(5);
  });

  it('halts on upgrade-required with the queue kept, tries again after 5 minutes and resumes by itself', async () => {
    const cloud = new ScriptedCloud(clock, [
      () => ({ kind: 'upgrade-required', error: { code: 'upgrade_required', message: 'Too old.', status: 426 } }),
    ]);
    enqueue(3);
    const d = deliverer(cloud);
    d.start();
    await until(() => events.some((e) => e.type === 'upgrade-required'), 'the halt');
    expect(d.halted?.kind).toBe('upgrade-required');
    expect(outbox.stats().depth).toBe(3);
    expect(outbox.listAlerts()).toContainEqual(
      expect.objectContaining({ code: 'upgrade_required', severity: 'critical' }),
    );
    // notify() does not shorten a halt: nothing goes out before its next try.
    d.notify();
    await until(() => outbox.stats().depth === 0, 'delivery after the halt’s retry');
    expect(d.halted).toBeUndefined();
    expect(outbox.listAlerts().map((a) => a.code)).not.toContain('upgrade_required');
    expect(cloud.calls.map((c) => c.request.batchId)).toEqual([
      cloud.calls[0]!.request.batchId,
      cloud.calls[0]!.request.batchId,
    ]);
    expect(cloud.calls[1]!.at - cloud.calls[0]!.at).toBeGreaterThanOrEqual(HALT_RETRY_MS);
  });

  it('halts only the source the cloud names (409 source_owned); other sources keep flowing', async () => {
    const cloud: BatchPoster = {
      postBatch: (request) =>
        Promise.resolve<DeliveryOutcome>(
          request.source === 'owned'
            ? {
                kind: 'refused',
                scope: { type: 'source', source: 'owned' },
                error: { code: 'source_owned', message: 'Another agent sends this source.', status: 409 },
              }
            : delivered(request),
        ),
    };
    const records = (n: number): SourceRecord[] =>
      Array.from({ length: n }, (_, i) => ({
        stream: 'receipts',
        key: { id: String(i) },
        op: 'upsert' as const,
        data: { id: String(i) },
        capturedAt: '2026-11-29T15:00:00.000Z',
      }));
    outbox.enqueue({ source: 'owned', stream: 'receipts', lane: 'bulk', records: records(2), checkpoint: 2 });
    outbox.enqueue({ source: 'pos', stream: 'receipts', lane: 'bulk', records: records(4), checkpoint: 4 });
    const d = deliverer(cloud);
    d.start();
    await until(() => events.some((e) => e.type === 'halted'), 'the halt of one source');
    await until(() => outbox.stats().depth === 2, 'the other source delivered');
    expect(d.halted).toBeUndefined(); // the agent as a whole is not halted
    expect(d.halts.map((h) => h.scope)).toEqual([{ type: 'source', source: 'owned' }]);
    const alert = outbox.listAlerts().find((a) => a.code === 'delivery_halted:source:owned');
    expect(alert?.message).toMatch(/source owned is paused.*hand-over.*every 5 minutes/);
  });

  it('treats a local failure while posting (the keychain) as a retry, not a crash', async () => {
    let calls = 0;
    const cloud: BatchPoster = {
      postBatch: (request) => {
        calls += 1;
        if (calls === 1) return Promise.reject(new Error('the keychain did not answer'));
        return Promise.resolve(delivered(request));
      },
    };
    enqueue(2);
    deliverer(cloud).start();
    await until(() => outbox.stats().depth === 0, 'delivery');
    expect(events.find((e) => e.type === 'retry-scheduled')).toMatchObject({
      code: 'internal_error',
      message: 'the keychain did not answer',
    });
  });

  it('raises cloud_unreachable after a long outage and clears it when the cloud answers', async () => {
    const cloud = new ScriptedCloud(
      clock,
      Array.from({ length: 15 }, () => networkDown),
    );
    enqueue(1);
    deliverer(cloud, () => 0.99).start();
    // Waits near min(60 s, 1 s·2^n): the fifth minute of failing comes around the eleventh attempt.
    await until(() => outbox.listAlerts().some((a) => a.code === 'cloud_unreachable'), 'the outage alert');
    expect(cloud.calls.at(-1)!.at - cloud.calls[0]!.at).toBeGreaterThanOrEqual(300_000);
    await until(() => outbox.stats().depth === 0, 'delivery after the outage');
    expect(events.filter((e) => e.type === 'cloud-ok')).toHaveLength(1);
    expect(outbox.listAlerts().map((a) => a.code)).not.toContain('cloud_unreachable');
  });
});
