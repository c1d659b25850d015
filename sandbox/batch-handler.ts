import { BatchRequestSchema, CloudHeaders, type BatchRecord } from '../agents/api/cloud.ts';
import type { RejectRule } from './admin-schemas.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { parseJsonValue, validate } from './request-parsing.ts';
import { canonicalKeyJson } from './store/batch-repo.ts';
import { sha256Hex } from './store/secrets.ts';

/** The path to the first JSON number inside a value (money must travel as strings), or null. */
export function findNumber(value: unknown, path = 'data'): string | null {
  if (typeof value === 'number') return path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNumber(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const found = findNumber(v, `${path}.${k}`);
      if (found !== null) return found;
    }
  }
  return null;
}

function refusalFor(stream: string, rules: readonly RejectRule[]) {
  const matching = rules.filter((r) => r.stream === stream);
  const ruleKeys = matching.map((r) => ({ rule: r, key: canonicalKeyJson(r.key) }));
  return (record: BatchRecord): { code: string; message: string } | null => {
    const numberAt = findNumber(record.data);
    if (numberAt !== null) {
      return {
        code: 'number_not_allowed',
        message: `${numberAt} is a JSON number; exact values (money, BIGINT) must be sent as strings.`,
      };
    }
    if (ruleKeys.length === 0) return null;
    const key = canonicalKeyJson(record.key);
    const hit = ruleKeys.find((r) => r.key === key);
    return hit === undefined ? null : { code: hit.rule.code, message: hit.rule.message };
  };
}

/** `POST /v1/batches`: idempotent by key and body, records deduplicated forever, per-record rejections. */
export function receiveBatch(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const agentId = request.agentId!;
  const idempotencyKey = request.headers[CloudHeaders.idempotencyKey];
  if (typeof idempotencyKey !== 'string' || idempotencyKey === '') {
    throw new CloudHttpError(400, 'missing_idempotency_key', 'Send Idempotency-Key: <batchId> with every batch.');
  }
  const bodySha256 = sha256Hex(request.body);
  const prior = store.batches.checkIdempotency(agentId, idempotencyKey, bodySha256);
  if (prior.kind === 'replayed') {
    return {
      status: 200,
      body: prior.response,
      note: `batch ${idempotencyKey} retransmitted, stored response replayed`,
    };
  }
  if (prior.kind === 'key_reused') throw keyReused(idempotencyKey);

  const value = parseJsonValue(request);
  const recordCount = (value as { records?: unknown } | null)?.records;
  const max = state.limits.maxRecordsPerBatch;
  if (Array.isArray(recordCount) && recordCount.length > max) {
    throw new CloudHttpError(
      413,
      'payload_too_large',
      `The batch has ${recordCount.length} records; at most ${max} are accepted.`,
      {
        details: { maxRecords: max },
      },
    );
  }
  const batch = validate(BatchRequestSchema, value);
  if (batch.batchId !== idempotencyKey) {
    throw new CloudHttpError(
      400,
      'idempotency_key_mismatch',
      "The Idempotency-Key header must equal the body's batchId.",
    );
  }
  if (batch.agentId !== agentId) {
    throw new CloudHttpError(403, 'agent_mismatch', 'The batch names a different agent than the token belongs to.');
  }
  const refuse = refusalFor(batch.stream, state.rejectRules);
  const outcome = store.batches.apply({
    agentId,
    idempotencyKey,
    bodySha256,
    batch,
    contentEncoding: request.contentEncoding,
    bytes: request.rawBody.length,
    nowIso: state.nowIso(),
    refuse,
  });
  if (outcome.kind === 'key_reused') throw keyReused(idempotencyKey);
  if (outcome.kind === 'new') throw new Error('BatchRepo.apply returned "new"');
  const r = outcome.response;
  return {
    status: 200,
    body: r,
    note: `${batch.entity}/${batch.source}/${batch.stream}: ${r.accepted} accepted, ${r.duplicates} duplicates, ${r.rejected.length} rejected`,
  };
}

function keyReused(key: string): CloudHttpError {
  return new CloudHttpError(
    422,
    'idempotency_key_reused',
    `Idempotency-Key ${key} was already used for a different body; a new batch needs a new batchId.`,
  );
}
