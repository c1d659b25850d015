import { expect } from 'vitest';
import { BatchResponseSchema, type BatchRequest, type BatchResponse } from '../../agents/api/cloud.ts';
import type { Answer } from './contract-client.ts';

/**
 * A 200 batch answer as the agent trusts it (cloud-api.md § Batches): the response JSON, the batch id
 * echoed, and counts that add up to the records sent.
 */
export function batchAnswer(answer: Answer, batch: BatchRequest): BatchResponse {
  expect(answer.status, answer.text).toBe(200);
  const body = BatchResponseSchema.parse(answer.json);
  expect(body.batchId).toBe(batch.batchId);
  expect(body.accepted + body.duplicates + body.stale + body.rejected.length).toBe(batch.records.length);
  expect(body.staleIndexes).toHaveLength(body.stale);
  return body;
}
