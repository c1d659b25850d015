/**
 * Scenario 4: the office is offline for a week. The cloud committed the first batch just before the
 * line went down, but its answer never arrived; more changes pile up offline for more than a day,
 * then the PC sleeps until the weekend is over. Seven days later
 * (virtual time, one clock for the agent and the sandbox) the same batches go out: the first is a
 * retransmission the cloud recognises, nothing is applied twice, the week-old token is replaced,
 * and every request is signed with the time it is sent, not the time its batch was formed. Then the
 * source re-reads everything (a lost checkpoint): content versions make that harmless too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/agent-process.ts';
import { SOURCE, startCloudHarness, type CloudHarness } from './kit/cloud-harness.ts';
import { assertExactlyOnce, printReport, reconcileWithCloud } from './kit/exactly-once.ts';
import { ManualClock } from './kit/manual-clock.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-11-23T17:00:00.000Z');
// A longer cap keeps a week of attempts to a few hundred; the backoff curve itself is scenario 3's.
const RETRY = { baseMs: 500, maxMs: 3_600_000 };

let clock: ManualClock;
let h: CloudHarness;

beforeAll(async () => {
  clock = new ManualClock(START);
  h = await startCloudHarness({ clock, label: 'offline-week', seed: 11 });
  clock.autoAdvance(() => h.poster.inFlight > 0);
});

afterAll(async () => {
  await clock?.stopAutoAdvance();
  await h?.close();
});

function signedAt(header: string | undefined): number {
  const t = /(?:^|,)\s*t=(\d+)/.exec(header ?? '')?.[1];
  if (t === undefined) throw new Error(`No signature time in ${header}`);
  return Number(t) * 1000;
}

describe('offline for a week, then replayed', () => {
  it('delivers every batch once, with a fresh token and signatures of the moment they are sent', async () => {
    let offlineSince: number | undefined;
    await h.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', dropConnection: 'afterCommit', times: 1 });
    const deliverer = h.deliverer({
      retry: RETRY,
      // The line goes down the moment the first answer is lost.
      onEvent: (event) => {
        if (event.type === 'retry-scheduled' && offlineSince === undefined) {
          offlineSince = clock.now();
          void h.proxyDown();
        }
      },
    });
    h.enqueue(0, 40);
    deliverer.start();
    await waitFor('the first answer to be lost', () => offlineSince !== undefined, { timeoutMs: 10_000 });
    expect((await h.admin.counts()).recordsAccepted).toBe(40);
    const firstBatch = h.poster.posts[0]!;
    const dayZeroToken = h.sent.find((r) => r.path.endsWith('/v1/batches'))!.headers.authorization;

    await clock.sleep(DAY);
    h.enqueue(100, 25);
    h.enqueue(900, 2, { stream: 'shifts', lane: 'urgent' });
    await clock.sleep(DAY + 3_600_000);
    // More than 24 hours offline: everything is still queued and the operator has been told.
    expect(h.outbox.stats().depth).toBe(67);
    expect(h.outbox.listAlerts().map((a) => a.code)).toContain('cloud_unreachable');

    // The office PC then sleeps until the end of the week (time jumps, the agent wakes up still
    // offline), and the line comes back half an hour after it woke.
    await clock.stopAutoAdvance();
    await waitFor('no request on the wire', () => h.poster.inFlight === 0);
    clock.jump(START + 7 * DAY - 30 * 60_000 - clock.now());
    clock.autoAdvance(() => h.poster.inFlight > 0);
    await clock.sleep(30 * 60_000);
    const back = clock.now();
    await h.proxyUp();
    await waitFor('an empty queue', () => h.outbox.stats().depth === 0, { timeoutMs: 30_000 });

    const replayed = h.poster.posts.filter((p) => p.batchId === firstBatch.batchId);
    expect(replayed.at(-1)?.outcome).toBe('delivered');
    expect(replayed.at(-1)!.at - Date.parse(firstBatch.createdAt)).toBeGreaterThanOrEqual(7 * DAY - 60_000);
    const counts = await h.admin.counts();
    expect(counts.retransmissions).toBe(1);
    expect(counts.recordsAccepted).toBe(67);

    // Every batch request after the week: signed within a second of sending, not of its createdAt.
    const afterWeek = h.sent.filter((r) => r.path.endsWith('/v1/batches') && r.at >= back);
    expect(afterWeek.length).toBeGreaterThanOrEqual(3);
    for (const request of afterWeek) {
      expect(Math.abs(signedAt(request.headers['tya-signature']) - request.at)).toBeLessThan(1_000);
      // The week-old token was not reused.
      expect(request.headers.authorization).not.toBe(dayZeroToken);
    }
    expect(counts.requests['POST /v1/oauth/token']?.['200']).toBeGreaterThanOrEqual(2);
    expect(h.outbox.listAlerts().map((a) => a.code)).not.toContain('cloud_unreachable');

    // The source loses its checkpoint and reads everything again (a resync forgets each key's newest
    // version too): same content, so the cloud answers each new seq as unchanged.
    h.outbox.deleteCheckpoint(SOURCE);
    h.enqueue(0, 40);
    h.enqueue(100, 25);
    h.enqueue(900, 2, { stream: 'shifts', lane: 'urgent' });
    await waitFor('the re-read to drain', () => h.outbox.stats().depth === 0, { timeoutMs: 30_000 });

    const report = await reconcileWithCloud('offline-week', h.admin, SOURCE, h.sourceRows());
    const attempts = h.poster.posts.filter((p) => p.at >= offlineSince! && p.at < back).length;
    printReport(report, {
      offlineDays: Math.round((back - offlineSince!) / DAY),
      attemptsWhileOffline: attempts,
      firstBatchAgeAtDeliveryDays: Math.round((replayed.at(-1)!.at - Date.parse(firstBatch.createdAt)) / DAY),
      tokensIssued: report.counts.requests['POST /v1/oauth/token']?.['200'] ?? 0,
    });
    assertExactlyOnce(report);
    expect(report.counts.duplicates).toBe(67);
    expect(report.counts.recordsAccepted).toBe(67);
  }, 120_000);
});
