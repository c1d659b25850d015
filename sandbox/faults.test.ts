import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorCode, startTestSandbox, testBatch, testRecord, TestAgent, type TestSandbox } from './sandbox-test-kit.ts';

let t: TestSandbox;
let agent: TestAgent;
beforeEach(async () => {
  t = await startTestSandbox();
  agent = await TestAgent.enroll(t.sandbox.url, t.admin);
});
afterEach(async () => {
  await t.cleanup();
});

const batch = (n: number) =>
  testBatch(agent.credentials.agentId, n, [
    testRecord({ receipt_id: String(n) }, { receipt_id: String(n), total: '1.00' }),
  ]);

describe('injected faults', () => {
  it('answers with a status, error code and Retry-After in seconds, for `times` requests, then recovers', async () => {
    await t.admin.addFault({ method: 'POST', pathPrefix: '/v1/batches', times: 2, status: 503, retryAfter: 2 });
    const first = await agent.sendBatch(batch(1));
    expect([first.status, errorCode(first), first.headers.get('retry-after')]).toEqual([
      503,
      'service_unavailable',
      '2',
    ]);
    expect((await agent.sendBatch(batch(1))).status).toBe(503);
    expect((await agent.sendBatch(batch(1))).status).toBe(200);
    const counts = await t.admin.counts();
    expect(counts.requests['POST /v1/batches']).toEqual({ '200': 1, '503': 2 });
    expect(counts.batchesApplied).toBe(1);
  });

  it('sends Retry-After as an HTTP-date and a chosen code, and only on matching method and path', async () => {
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    await t.admin.addFault({
      method: 'POST',
      pathPrefix: '/v1/batches',
      status: 429,
      code: 'slow_down',
      retryAfter: date,
    });
    expect((await agent.call('GET', '/v1/reference/currencies')).status).toBe(200);
    const limited = await agent.sendBatch(batch(1));
    expect([limited.status, errorCode(limited), limited.headers.get('retry-after')]).toEqual([429, 'slow_down', date]);
  });

  it('adds latency before handling', async () => {
    await t.admin.addFault({ pathPrefix: '/v1/reference', latencyMs: 300 });
    const started = performance.now();
    const answer = await agent.call('GET', '/v1/reference/currencies');
    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('commits a batch and then delays the answer (delayAfterCommitMs)', async () => {
    await t.admin.addFault({ pathPrefix: '/v1/batches', delayAfterCommitMs: 1000 });
    let answered = false;
    const pending = agent.sendBatch(batch(1)).then((a) => ((answered = true), a));
    let applied = 0;
    for (let i = 0; i < 50 && applied === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      applied = (await t.admin.counts()).batchesApplied;
    }
    expect(applied).toBe(1);
    expect(answered).toBe(false);
    expect((await pending).status).toBe(200);
  });

  it('drops the connection before handling: nothing is applied', async () => {
    await t.admin.addFault({ pathPrefix: '/v1/batches', dropConnection: 'beforeHandling' });
    await expect(agent.sendBatch(batch(1))).rejects.toThrow();
    const counts = await t.admin.counts();
    expect(counts.batchesApplied).toBe(0);
    expect(counts.requests['POST /v1/batches']).toEqual({ dropped: 1 });
  });

  it('drops the connection after the commit: the retry is answered from the stored response', async () => {
    await t.admin.addFault({ pathPrefix: '/v1/batches', dropConnection: 'afterCommit' });
    await expect(agent.sendBatch(batch(1))).rejects.toThrow();
    expect((await t.admin.counts()).recordsAccepted).toBe(1);
    const retry = await agent.sendBatch(batch(1));
    expect(retry.json).toEqual({
      batchId: batch(1).batchId,
      accepted: 1,
      duplicates: 0,
      stale: 0,
      staleIndexes: [],
      rejected: [],
    });
    const counts = await t.admin.counts();
    expect(counts).toMatchObject({ batchesApplied: 1, recordsAccepted: 1, duplicates: 0, retransmissions: 1 });
  });

  it('is cleared by clearFaults, and a fault without an action is refused', async () => {
    await t.admin.addFault({ pathPrefix: '/v1/', times: 100, status: 500 });
    expect((await agent.call('GET', '/v1/reference/currencies')).status).toBe(500);
    await t.admin.clearFaults();
    expect((await agent.call('GET', '/v1/reference/currencies')).status).toBe(200);
    await expect(t.admin.addFault({ pathPrefix: '/v1/batches' })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    await expect(
      t.admin.addFault({ pathPrefix: '/v1/batches', status: 503, dropConnection: 'afterCommit' }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
