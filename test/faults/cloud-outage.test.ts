/**
 * Scenario 3: the cloud away for 30 minutes, rate limits with Retry-After, and 413 down to single
 * records, with the real Deliverer, a real outbox file and the real sandbox behind the fault proxy,
 * all on one virtual clock (kit/manual-clock.ts): half an hour passes in about a second, and every
 * wait the deliverer chose is measured in the time it asked for.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/agent-process.ts';
import { SOURCE, startCloudHarness, type CloudHarness, type PostRecord } from './kit/cloud-harness.ts';
import { assertExactlyOnce, printReport, reconcileWithCloud } from './kit/exactly-once.ts';
import { ManualClock } from './kit/manual-clock.ts';

const START = Date.parse('2026-11-30T08:00:00.000Z');
const MINUTE = 60_000;
const RETRY = { baseMs: 500, maxMs: 300_000 };

let harness: CloudHarness | undefined;
let clock: ManualClock | undefined;

afterEach(async () => {
  await clock?.stopAutoAdvance();
  await harness?.close();
  harness = undefined;
  clock = undefined;
});

async function rig(label: string): Promise<{ h: CloudHarness; clock: ManualClock }> {
  clock = new ManualClock(START);
  harness = await startCloudHarness({ clock, label, seed: 3 });
  const h = harness;
  clock.autoAdvance(() => h.poster.inFlight > 0);
  return { h, clock };
}

const drained = (h: CloudHarness) =>
  waitFor('an empty queue', () => h.outbox.stats().depth === 0, { timeoutMs: 20_000 });
const gaps = (posts: readonly PostRecord[]) => posts.slice(1).map((p, i) => p.at - posts[i]!.at);

describe('a 30-minute cloud outage (virtual time)', () => {
  it('keeps the queue, backs off within the cap, alerts after 5 minutes, and drains once when the cloud is back', async () => {
    const { h, clock } = await rig('outage');
    const deliverer = h.deliverer({ retry: RETRY });
    h.enqueue(0, 40);
    deliverer.start();
    await drained(h);

    const down = clock.now();
    // Posts from here on (by index: the last delivery may share this virtual millisecond).
    const firstPostWhileDown = h.poster.posts.length;
    await h.proxyDown();
    h.enqueue(1000, 120);
    h.enqueue(5000, 3, { stream: 'shifts', lane: 'urgent' });
    await clock.sleep(30 * MINUTE);

    expect(h.outbox.stats().depth).toBe(123);
    const tried = h.poster.posts.slice(firstPostWhileDown);
    expect(tried.every((p) => p.outcome === 'retry' && p.code === 'network_error')).toBe(true);
    const bulk = tried.filter((p) => p.stream === 'receipts');
    const urgent = tried.filter((p) => p.stream === 'shifts');
    // Full-jitter backoff capped at 5 minutes: at least one attempt per cap, never a longer silence.
    for (const lane of [bulk, urgent]) {
      expect(lane.length).toBeGreaterThanOrEqual(6);
      expect(Math.max(...gaps(lane))).toBeLessThanOrEqual(RETRY.maxMs + 1_000);
    }
    const unreachable = h.outbox.listAlerts().find((a) => a.code === 'cloud_unreachable');
    expect(unreachable?.message).toMatch(/Nothing reached the cloud for \d+ minutes/);
    expect(Date.parse(unreachable!.since) - down).toBeGreaterThanOrEqual(5 * MINUTE);

    await h.proxyUp();
    const up = clock.now();
    await drained(h);
    // Virtual time runs on while this test polls in real time: measure from the posts themselves.
    const recoveredMs = Math.max(...h.poster.posts.filter((p) => p.outcome === 'delivered').map((p) => p.at)) - up;
    // The next attempt was at most one capped wait away.
    expect(recoveredMs).toBeLessThanOrEqual(RETRY.maxMs + 1_000);
    expect(h.outbox.listAlerts().map((a) => a.code)).not.toContain('cloud_unreachable');
    // The token issued before the outage (15 minutes) had lapsed: a new one was fetched after it.
    const tokenRequests = h.sent.filter((r) => r.path.endsWith('/v1/oauth/token'));
    expect(tokenRequests.filter((r) => r.at >= up).length).toBeGreaterThanOrEqual(1);

    const report = await reconcileWithCloud('outage-30min', h.admin, SOURCE, h.sourceRows());
    printReport(report, {
      virtualOutageMin: 30,
      attemptsDuringOutage: { bulk: bulk.length, urgent: urgent.length },
      longestWaitSecs: Math.round(Math.max(...gaps(bulk), ...gaps(urgent)) / 1000),
      alertAfterMin: Math.round((Date.parse(unreachable!.since) - down) / MINUTE),
      drainedAfterRecoverySecs: Math.round(recoveredMs / 1000),
      tokenRequestsTried: tokenRequests.length,
      tokensIssued: report.counts.requests['POST /v1/oauth/token']?.['200'] ?? 0,
    });
    assertExactlyOnce(report);
    expect(report.counts.recordsAccepted).toBe(163);
  });
});

describe('429 and 503 with Retry-After (virtual time)', () => {
  it('waits exactly as long as the cloud asked, in seconds and as an HTTP date', async () => {
    const { h, clock } = await rig('retry-after');
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', status: 429, retryAfter: 120, times: 1 });
    // Meant to arrive at the second attempt, about 120 s from now: "come back 10 minutes after that".
    const retryAt = new Date(clock.now() + 120_000 + 10 * MINUTE).toUTCString();
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', status: 503, retryAfter: retryAt, times: 1 });
    const deliverer = h.deliverer({ retry: RETRY });
    h.enqueue(0, 30);
    deliverer.start();
    await drained(h);

    const posts = h.poster.posts;
    expect(posts.map((p) => `${p.outcome}${p.code ? `:${p.code}` : ''}`)).toEqual([
      'retry:rate_limited',
      'retry:service_unavailable',
      'delivered',
    ]);
    expect(posts[0]!.waitHintMs).toBe(120_000);
    const [afterRateLimit, afterUnavailable] = gaps(posts) as [number, number];
    // Backoff jitter this early is below a second, so the cloud's wish decides the wait.
    expect(afterRateLimit).toBeGreaterThanOrEqual(120_000);
    expect(afterRateLimit).toBeLessThan(121_000);
    expect(posts[2]!.at).toBeGreaterThanOrEqual(Date.parse(retryAt));
    expect(afterUnavailable).toBeLessThan(posts[1]!.waitHintMs! + 1_000);
    const scheduled = h.events.flatMap((e) => (e.type === 'retry-scheduled' ? [e.waitMs] : []));
    expect(scheduled).toEqual([afterRateLimit, afterUnavailable]);

    const report = await reconcileWithCloud('retry-after', h.admin, SOURCE, h.sourceRows());
    printReport(report, { waitsSecs: [afterRateLimit / 1000, afterUnavailable / 1000], asked: ['120', retryAt] });
    assertExactlyOnce(report);
  });
});

describe('413 payload too large', () => {
  it('splits down to single records and dead-letters the one record that is too large on its own', async () => {
    const { h } = await rig('too-large');
    // One record per request and 8 KB per body: every batch splits to singles; one record never fits.
    await h.admin.setLimits({ maxRecordsPerBatch: 1, maxBodyBytes: 8 * 1024 });
    const attachment = randomBytes(24 * 1024).toString('base64');
    h.enqueue(0, 8, { big: attachment });
    const deliverer = h.deliverer({ retry: RETRY, batchMaxRecords: 8 });
    deliverer.start();
    await waitFor('delivered or dead-lettered', () => h.outbox.stats().depth === 0, { timeoutMs: 20_000 });

    const counts = await h.admin.counts();
    // A binary tree over 8 records: 7 inner batches refused, 8 singles of which one is refused too.
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 7, '413': 8 });
    expect(h.events.filter((e) => e.type === 'split')).toHaveLength(8);
    const sizes = h.poster.posts.map((p) => p.records);
    expect(sizes.slice(0, 3)).toEqual([8, 4, 2]);
    const deadLetters = h.outbox.listDeadLetters();
    expect(deadLetters.map((d) => [d.key.receipt_id, d.reasonCode])).toEqual([['0', 'record_too_large']]);
    expect(deadLetters[0]!.reasonMessage).toMatch(/too large .* even when sent on its own/);

    const delivered = h.sourceRows().filter((r) => r.key.receipt_id !== '0');
    const report = await reconcileWithCloud('413-split', h.admin, SOURCE, delivered);
    printReport(report, { requests413: 8, requests200: 7, deadLettered: deadLetters.length });
    assertExactlyOnce(report);
    expect((await h.admin.records({ source: SOURCE })).some((r) => r.key.receipt_id === '0')).toBe(false);
  });
});
