import { BatchRequestSchema, CloudHeaders, type BatchRecord } from '../agents/api/cloud.ts';
import type { RejectRule } from './admin-schemas.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { parseJsonValue, validate } from './request-parsing.ts';
import { canonicalKeyJson } from './store/history-repo.ts';

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

/** Index of the first record without a `seq` (an agent from before the seq contract), or -1. */
function firstRecordWithoutSeq(value: unknown): number {
  const records = (value as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return -1;
  return records.findIndex((r) => typeof r === 'object' && r !== null && (r as { seq?: unknown }).seq == null);
}

/**
 * `POST /v1/batches` (cloud-api.md § Batches): limits, `seq_required`, schema, entity and source
 * ownership, idempotency by records, then the per-record seq rules in one transaction.
 */
export function receiveBatch(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const agentId = request.agentId!;
  const idempotencyKey = request.headers[CloudHeaders.idempotencyKey];
  if (typeof idempotencyKey !== 'string' || idempotencyKey === '') {
    throw new CloudHttpError(400, 'missing_idempotency_key', 'Send Idempotency-Key: <batchId> with every batch.');
  }
  const value = parseJsonValue(request);
  const recordCount = (value as { records?: unknown } | null)?.records;
  const max = state.limits.maxRecordsPerBatch;
  if (Array.isArray(recordCount) && recordCount.length > max) {
    throw new CloudHttpError(
      413,
      'payload_too_large',
      `The batch has ${recordCount.length} records; at most ${max} are accepted.`,
      { details: { maxRecords: max } },
    );
  }
  // Before the schema, so an agent from before the seq contract hears "update", not "bad request".
  const missingSeq = firstRecordWithoutSeq(value);
  if (missingSeq >= 0) {
    throw new CloudHttpError(
      426,
      'seq_required',
      `Record ${missingSeq} has no seq: this cloud needs an agent that numbers its changes. Update the agent; its queue is kept.`,
      { details: { index: missingSeq } },
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
  const entities = store.agents.entities(agentId);
  if (!entities.includes(batch.entity)) {
    throw new CloudHttpError(
      403,
      'entity_not_allowed',
      `This agent was not enrolled for entity ${batch.entity} (it may send for: ${entities.join(', ')}); enroll it with a key for that entity.`,
      { details: { entity: batch.entity, allowed: entities } },
    );
  }
  const nowIso = state.nowIso();
  const outcome = store.batches.apply({
    agentId,
    idempotencyKey,
    batch,
    contentEncoding: request.contentEncoding,
    bytes: request.rawBody.length,
    nowIso,
    rules: { maxSeq: state.maxSeq(), refuse: refusalFor(batch.stream, state.rejectRules) },
    claimSource: () => {
      const owner = store.owners.claim(batch.entity, batch.source, agentId, nowIso);
      if (owner !== agentId) {
        throw new CloudHttpError(
          409,
          'source_owned',
          `Source ${batch.source} of entity ${batch.entity} belongs to another agent (${owner}); the operator must approve the hand-over before this agent may send for it.`,
          { details: { entity: batch.entity, source: batch.source } },
        );
      }
    },
  });
  if (outcome.kind === 'key_reused') throw keyReused(idempotencyKey);
  if (outcome.kind === 'new') throw new Error('BatchRepo.apply returned "new"');
  if (outcome.kind === 'replayed') {
    return {
      status: 200,
      body: outcome.response,
      note: `batch ${idempotencyKey} retransmitted, stored response replayed`,
    };
  }
  const r = outcome.response;
  return {
    status: 200,
    body: r,
    note:
      `${batch.entity}/${batch.source}/${batch.stream}: ${r.accepted} accepted, ${r.duplicates} duplicates ` +
      `(${outcome.unchanged} unchanged), ${r.stale} stale, ${r.rejected.length} rejected`,
  };
}

function keyReused(key: string): CloudHttpError {
  return new CloudHttpError(
    422,
    'idempotency_key_reused',
    `Idempotency-Key ${key} was already used for different records; a new batch needs a new batchId.`,
  );
}
