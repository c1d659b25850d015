/**
 * OutboxBatch → BatchRequest. Pure and order-preserving: the outbox hands a retried batch back with
 * the same id, createdAt and records in the same order, and this function adds nothing that varies
 * (no send time, no attempt number), so the retried body is byte-identical.
 */
import type { BatchRecord, BatchRequest } from '../api/cloud.ts';
import type { OutboxBatch } from '../outbox/outbox-types.ts';

export function buildBatchRequest(batch: OutboxBatch, agentId: string, entity: string): BatchRequest {
  return {
    batchId: batch.batchId,
    agentId,
    entity,
    source: batch.source,
    stream: batch.stream,
    schemaVersion: batch.schemaVersion,
    createdAt: batch.createdAt,
    records: batch.records.map((record): BatchRecord => {
      // Fixed key order: JSON.stringify follows insertion order, and the bytes must not vary.
      const wire: BatchRecord = {
        key: record.key,
        op: record.op,
        version: record.version,
        seq: record.seq,
        capturedAt: record.capturedAt,
      };
      if (record.op === 'upsert' && record.data !== undefined) wire.data = record.data;
      if (record.group !== undefined) wire.group = record.group;
      return wire;
    }),
  };
}
