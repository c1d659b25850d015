import { describe, expect, it } from 'vitest';
import type { BatchRequest } from '../api/cloud.ts';
import { encodeBatchBody, encodeBatchBodyAsync } from './batch-body.ts';

function request(records: number): BatchRequest {
  return {
    batchId: '01JF3Q8Z7V0K6W1M8N2P4R5S6T',
    agentId: 'ag_1',
    entity: 'store-7',
    source: 'pos',
    stream: 'receipts',
    schemaVersion: 1,
    createdAt: '2026-11-29T15:01:49.123Z',
    records: Array.from({ length: records }, (_, i) => ({
      key: { id: String(i) },
      op: 'upsert' as const,
      version: `sha256:${i}`,
      seq: 1795964508000000 + i,
      capturedAt: '2026-11-29T15:01:48.000Z',
      data: { id: String(i), total: `${i}.40`, memo: 'ä'.repeat(i % 40) },
    })),
  };
}

describe('encodeBatchBodyAsync', () => {
  it('gives the bytes encodeBatchBody gives (a resent batch must be byte-identical), gzipped or not', async () => {
    for (const size of [1, 500]) {
      const sync = encodeBatchBody(request(size));
      const async = await encodeBatchBodyAsync(request(size));
      expect(async.contentEncoding).toBe(sync.contentEncoding);
      expect(async.jsonBytes).toBe(sync.jsonBytes);
      expect(Buffer.from(async.bytes).equals(Buffer.from(sync.bytes))).toBe(true);
    }
    expect((await encodeBatchBodyAsync(request(500))).contentEncoding).toBe('gzip');
    expect((await encodeBatchBodyAsync(request(1))).contentEncoding).toBeUndefined();
  });
});
