import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchResponseSchema } from '../agents/api/cloud.ts';
import { SandboxAdmin } from './admin-client.ts';
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

const receipt = (id: number, total = '18.40') =>
  testRecord({ receipt_id: String(id) }, { receipt_id: String(id), total, currency: 'EUR' });
const batchOf = (n: number, records = [receipt(1), receipt(2)], stream?: string) =>
  testBatch(agent.credentials.agentId, n, records, stream);

describe('POST /v1/batches', () => {
  it('applies records and answers with accepted, duplicates and rejected', async () => {
    const answer = await agent.sendBatch(batchOf(1, [receipt(1), receipt(2), testRecord({ receipt_id: '3' })]));
    expect(answer.status).toBe(200);
    expect(BatchResponseSchema.parse(answer.json)).toEqual({
      batchId: batchOf(1).batchId,
      accepted: 3,
      duplicates: 0,
      stale: 0,
      staleIndexes: [],
      rejected: [],
    });
    const records = await t.admin.records({ source: 'pos-db', stream: 'sales_receipts' });
    expect(records.map((r) => [r.key.receipt_id, r.op])).toEqual([
      ['1', 'upsert'],
      ['2', 'upsert'],
      ['3', 'delete'],
    ]);
    expect(records[2]!.data).toBeUndefined();
  });

  it('answers a retransmission (same key, same body) with the stored response and applies nothing again', async () => {
    const batch = batchOf(1);
    const first = await agent.sendBatch(batch);
    const before = await t.admin.counts();
    const again = await agent.sendBatch(batch);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const after = await t.admin.counts();
    expect(after.retransmissions).toBe(before.retransmissions + 1);
    expect({ ...after, retransmissions: 0, requests: {} }).toEqual({ ...before, retransmissions: 0, requests: {} });
    expect(after.requests['POST /v1/batches']).toEqual({ '200': 2 });
    expect((await t.admin.batches())[0]!.retransmissions).toBe(1);
  });

  it('answers the stored response for a retransmission sent gzip-compressed (same decoded body)', async () => {
    const batch = batchOf(1);
    const first = await agent.sendBatch(batch);
    const again = await agent.sendBatch(batch, { gzip: true });
    expect(again.json).toEqual(first.json);
    expect((await t.admin.counts()).retransmissions).toBe(1);
  });

  it('refuses the same idempotency key with a different body: 422 idempotency_key_reused', async () => {
    await agent.sendBatch(batchOf(1));
    const changed = await agent.sendBatch(batchOf(1, [receipt(1, '99.99')]));
    expect([changed.status, errorCode(changed)]).toEqual([422, 'idempotency_key_reused']);
    const records = await t.admin.records();
    expect(records.map((r) => r.data?.total)).toEqual(['18.40', '18.40']);
  });

  it('dedupes records forever across different batches, however they are split', async () => {
    await agent.sendBatch(batchOf(1, [receipt(1), receipt(2)]));
    const answer = await agent.sendBatch(batchOf(2, [receipt(2), receipt(3), receipt(1), receipt(3)]));
    expect(answer.json).toMatchObject({ accepted: 1, duplicates: 3, rejected: [] });
    const changed = await agent.sendBatch(batchOf(3, [receipt(1, '20.00')]));
    expect(changed.json).toMatchObject({ accepted: 1, duplicates: 0 });
    const counts = await t.admin.counts();
    expect(counts).toMatchObject({
      batchesApplied: 3,
      recordsAccepted: 4,
      duplicates: 3,
      rejected: 0,
      retransmissions: 0,
    });
    expect(counts.streams).toEqual([
      {
        entity: 'store-7',
        source: 'pos-db',
        stream: 'sales_receipts',
        records: 4,
        accepted: 4,
        duplicates: 3,
        unchanged: 0,
        stale: 0,
        rejected: 0,
        keys: 3,
      },
    ]);
  });

  it('treats the key as canonical JSON: field order does not make a new record', async () => {
    const a = testRecord({ store: '7', receipt_id: '1' }, { x: 'a' });
    const b = { ...a, key: { receipt_id: '1', store: '7' } };
    await agent.sendBatch(batchOf(1, [a]));
    expect((await agent.sendBatch(batchOf(2, [b]))).json).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('accepts a gzip body signed over the compressed bytes', async () => {
    const records = Array.from({ length: 200 }, (_, i) => receipt(i));
    const answer = await agent.sendBatch(batchOf(1, records), { gzip: true });
    expect(answer.json).toMatchObject({ accepted: 200 });
    expect((await t.admin.batches())[0]).toMatchObject({ contentEncoding: 'gzip', records: 200 });
    const corrupt = await agent.sendBatch(batchOf(2), {
      body: Buffer.from('not gzip'),
      headers: { 'content-encoding': 'gzip' },
    });
    expect([corrupt.status, errorCode(corrupt)]).toEqual([400, 'invalid_gzip']);
  });

  it('answers 413 payload_too_large above the body and record limits, and applies nothing', async () => {
    await t.admin.setLimits({ maxBodyBytes: 2000, maxRecordsPerBatch: 3 });
    const many = await agent.sendBatch(batchOf(1, [receipt(1), receipt(2), receipt(3), receipt(4)]));
    expect([many.status, errorCode(many)]).toEqual([413, 'payload_too_large']);
    const big = await agent.sendBatch(batchOf(2, [testRecord({ id: '1' }, { note: 'x'.repeat(3000) })]));
    expect([big.status, errorCode(big)]).toEqual([413, 'payload_too_large']);
    // The limit is on the compressed size: the same record gzipped fits.
    const gz = await agent.sendBatch(batchOf(3, [testRecord({ id: '1' }, { note: 'x'.repeat(3000) })]), { gzip: true });
    expect(gz.status).toBe(200);
    expect((await t.admin.counts()).recordsAccepted).toBe(1);
  });

  it('refuses bodies far beyond the limit without reading them into memory', async () => {
    await t.admin.setLimits({ maxBodyBytes: 1000 });
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const answer = await agent
      .sendBatch(batchOf(1), { body: huge })
      .then((a) => a.status)
      .catch(() => 'connection closed');
    expect([413, 'connection closed']).toContain(answer);
    expect((await t.admin.counts()).batchesApplied).toBe(0);
  });

  it('rejects a record with a JSON number anywhere in its data as number_not_allowed, applying the rest', async () => {
    const bad = testRecord({ receipt_id: '2' }, { receipt_id: '2', lines: [{ qty: '1', price: 18.4 }] });
    const answer = await agent.sendBatch(batchOf(1, [receipt(1), bad, receipt(3)]));
    const body = BatchResponseSchema.parse(answer.json);
    expect(body.accepted).toBe(2);
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0]).toMatchObject({ index: 1, code: 'number_not_allowed' });
    expect(body.rejected[0]!.message).toContain('data.lines[0].price');
    expect((await t.admin.records()).map((r) => r.key.receipt_id)).toEqual(['1', '3']);
  });

  it("rejects records matching an admin rule (stream + exact key) with the rule's code", async () => {
    await t.admin.rejectRecords({
      stream: 'sales_receipts',
      key: { receipt_id: '2' },
      code: 'unknown_store',
      message: 'No such store.',
    });
    const answer = await agent.sendBatch(batchOf(1, [receipt(1), receipt(2)]));
    expect(answer.json).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, code: 'unknown_store', message: 'No such store.' }],
    });
    const otherStream = await agent.sendBatch(batchOf(2, [receipt(2)], 'refunds'));
    expect(otherStream.json).toMatchObject({ accepted: 1, rejected: [] });
    await t.admin.clearRejectRules();
    expect((await agent.sendBatch(batchOf(3, [receipt(2)]))).json).toMatchObject({ accepted: 1 });
    expect((await t.admin.counts()).rejected).toBe(1);
  });

  it('keeps decimal and BIGINT strings exactly as sent', async () => {
    const exact = testRecord(
      { id: '9223372036854775807' },
      {
        id: '9223372036854775807',
        amount: '12345678901234567.89',
        tiny: '0.000000000000000001',
        neg: '-0.00',
        flag: true,
        none: null,
      },
    );
    await agent.sendBatch(batchOf(1, [exact]));
    const [stored] = await t.admin.records({ stream: 'sales_receipts' });
    expect(stored!.key).toEqual({ id: '9223372036854775807' });
    expect(stored!.data).toEqual(exact.data);
    const raw = await (await fetch(`${t.sandbox.url}/admin/records`)).text();
    expect(raw).toContain('"amount":"12345678901234567.89"');
    expect(raw).toContain('"id":"9223372036854775807"');
  });

  it("requires Idempotency-Key equal to batchId and the token's own agent", async () => {
    const batch = batchOf(1);
    const missing = await agent.postJson('/v1/batches', batch);
    expect([missing.status, errorCode(missing)]).toEqual([400, 'missing_idempotency_key']);
    const mismatch = await agent.sendBatch(batch, { headers: { 'idempotency-key': batchOf(2).batchId } });
    expect([mismatch.status, errorCode(mismatch)]).toEqual([400, 'idempotency_key_mismatch']);
    const foreign = await agent.sendBatch({ ...batch, agentId: 'ag_someone_else' });
    expect([foreign.status, errorCode(foreign)]).toEqual([403, 'agent_mismatch']);
    const invalid = await agent.sendBatch({ ...batch, records: [{ ...receipt(1), version: 'md5:1' }] });
    expect([invalid.status, errorCode(invalid)]).toEqual([400, 'invalid_request']);
    expect((invalid.json as { error: { details: { issues: { path: string }[] } } }).error.details.issues[0]!.path).toBe(
      'records.0.version',
    );
    const notJson = await agent.sendBatch(batch, { body: '{"batchId":' });
    expect(errorCode(notJson)).toBe('invalid_json');
    expect((await t.admin.counts()).batchesApplied).toBe(0);
  });

  it('keeps agents, records and idempotency across a restart on the same database', async () => {
    const batch = batchOf(1);
    const first = await agent.sendBatch(batch);
    await t.sandbox.close();
    const { startSandbox } = await import('./server.ts');
    const again = await startSandbox({ dbPath: t.dbPath });
    try {
      const moved = agent.withUrl(again.url);
      await moved.refreshToken();
      const resent = await moved.sendBatch(batch);
      expect(resent.json).toEqual(first.json);
      const counts = await new SandboxAdmin(again.url).counts();
      expect(counts).toMatchObject({ recordsAccepted: 2, retransmissions: 1, agents: 1 });
    } finally {
      await again.close();
    }
  });
});
