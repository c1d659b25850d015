import type Database from 'better-sqlite3';
import type { BatchRecord, BatchRejection, BatchRequest, BatchResponse } from '../../agents/api/cloud.ts';
import type { StoredBatch } from '../admin-schemas.ts';
import { evaluateRecords, type RuleOptions } from '../batch-rules.ts';
import type { StreamCount } from '../inspection-schemas.ts';
import { canonicalKeyJson, type HistoryRepo } from './history-repo.ts';
import { sha256Hex } from './secrets.ts';

export { canonicalKeyJson } from './history-repo.ts';

export interface BatchApplyInput {
  agentId: string;
  idempotencyKey: string;
  batch: BatchRequest;
  contentEncoding: string;
  bytes: number;
  nowIso: string;
  rules: RuleOptions;
  /** Claims the batch's source for the agent, or throws (source owned by another agent); inside the transaction. */
  claimSource: () => void;
}

export type IdempotencyOutcome =
  { kind: 'new' } | { kind: 'replayed'; response: BatchResponse } | { kind: 'key_reused' };

/**
 * What "the same batch" means for an Idempotency-Key (cloud-api.md): the same records, compared by
 * key, seq and version, in the same order (the stored answer's indexes refer to it), for the same
 * stream. The envelope (createdAt, schemaVersion) and the compression may differ.
 */
export function recordsFingerprint(batch: BatchRequest): string {
  return sha256Hex(
    JSON.stringify([
      batch.entity,
      batch.source,
      batch.stream,
      batch.records.map((r: BatchRecord) => [canonicalKeyJson(r.key), r.seq, r.version]),
    ]),
  );
}

/** Batches and their stored answers; the records go to the history through the seq rules. */
export class BatchRepo {
  readonly #db: Database.Database;
  readonly #history: HistoryRepo;

  constructor(db: Database.Database, history: HistoryRepo) {
    this.#db = db;
    this.#history = history;
  }

  /**
   * What an idempotency key already means: nothing yet, a retransmission of the same records
   * (counted, answered with the stored response, nothing re-applied), or a key reused for others.
   */
  checkIdempotency(agentId: string, idempotencyKey: string, fingerprint: string): IdempotencyOutcome {
    return this.#db.transaction((): IdempotencyOutcome => {
      const row = this.#db
        .prepare('SELECT seq, records_sha256, response_json FROM batches WHERE agent_id = ? AND idempotency_key = ?')
        .get(agentId, idempotencyKey) as { seq: number; records_sha256: string; response_json: string } | undefined;
      if (row === undefined) return { kind: 'new' };
      if (row.records_sha256 !== fingerprint) return { kind: 'key_reused' };
      this.#db.prepare('UPDATE batches SET retransmissions = retransmissions + 1 WHERE seq = ?').run(row.seq);
      return { kind: 'replayed', response: JSON.parse(row.response_json) as BatchResponse };
    })();
  }

  /** Applies the records and stores the answer in one transaction, so a crash leaves both or neither. */
  apply(input: BatchApplyInput): IdempotencyOutcome | { kind: 'applied'; response: BatchResponse; unchanged: number } {
    return this.#db.transaction(() => {
      const { batch } = input;
      const fingerprint = recordsFingerprint(batch);
      const prior = this.checkIdempotency(input.agentId, input.idempotencyKey, fingerprint);
      if (prior.kind !== 'new') return prior;
      input.claimSource();
      const batchSeq = Number(
        this.#db
          .prepare(
            `INSERT INTO batches (agent_id, idempotency_key, records_sha256, entity, source, stream, record_count,
               accepted, duplicates, unchanged, stale, rejected, response_json, content_encoding, bytes, received_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, '', ?, ?, ?)`,
          )
          .run(
            input.agentId,
            input.idempotencyKey,
            fingerprint,
            batch.entity,
            batch.source,
            batch.stream,
            batch.records.length,
            input.contentEncoding,
            input.bytes,
            input.nowIso,
          ).lastInsertRowid,
      );
      const scope = { entity: batch.entity, source: batch.source, stream: batch.stream };
      const keyJsons = batch.records.map((r) => canonicalKeyJson(r.key));
      const outcomes = evaluateRecords(
        batch.records,
        keyJsons,
        {
          versionAt: (keyJson, seq) => this.#history.versionAt(scope, keyJson, seq),
          latest: (keyJson) => this.#history.latestOf(scope, keyJson),
        },
        input.rules,
      );
      let accepted = 0;
      let duplicates = 0;
      let unchanged = 0;
      const staleIndexes: number[] = [];
      const rejected: BatchRejection[] = [];
      outcomes.forEach((outcome, index) => {
        const record = batch.records[index]!;
        if (outcome.kind === 'rejected')
          return void rejected.push({ index, code: outcome.code, message: outcome.message });
        if (outcome.kind === 'duplicate') return void (duplicates += 1);
        if (outcome.kind === 'accepted') accepted += 1;
        else if (outcome.kind === 'unchanged') unchanged += 1;
        else staleIndexes.push(index);
        this.#history.insert({
          batchSeq,
          ...scope,
          keyJson: keyJsons[index]!,
          seq: record.seq,
          version: record.version,
          op: record.op,
          capturedAt: record.capturedAt,
          dataJson: record.data === undefined ? null : JSON.stringify(record.data),
          group: record.group ?? null,
          outcome: outcome.kind,
          receivedAt: input.nowIso,
        });
      });
      const response: BatchResponse = {
        batchId: batch.batchId,
        accepted,
        duplicates: duplicates + unchanged,
        stale: staleIndexes.length,
        staleIndexes,
        rejected,
      };
      this.#db
        .prepare(
          `UPDATE batches SET accepted = ?, duplicates = ?, unchanged = ?, stale = ?, rejected = ?, response_json = ?
           WHERE seq = ?`,
        )
        .run(
          accepted,
          duplicates + unchanged,
          unchanged,
          staleIndexes.length,
          rejected.length,
          JSON.stringify(response),
          batchSeq,
        );
      return { kind: 'applied' as const, response, unchanged };
    })();
  }

  /** Per stream: what the batch answers counted (retransmissions not again) and the keys held. */
  streamCounts(): StreamCount[] {
    return this.#db
      .prepare(
        `SELECT b.entity, b.source, b.stream, SUM(b.accepted) AS accepted, SUM(b.duplicates) AS duplicates,
           SUM(b.unchanged) AS unchanged, SUM(b.stale) AS stale, SUM(b.rejected) AS rejected,
           (SELECT COUNT(*) FROM latest l WHERE l.entity = b.entity AND l.source = b.source AND l.stream = b.stream) AS keys
         FROM batches b GROUP BY b.entity, b.source, b.stream ORDER BY b.entity, b.source, b.stream`,
      )
      .all()
      .map((row) => {
        const r = row as Omit<StreamCount, 'records'>;
        return { ...r, records: r.accepted };
      });
  }

  batches(limit?: number): StoredBatch[] {
    const rows = this.#db
      .prepare(`SELECT * FROM batches ORDER BY seq DESC ${limit === undefined ? '' : `LIMIT ${Math.trunc(limit)}`}`)
      .all() as BatchRow[];
    return rows.map((r) => ({
      batchId: r.idempotency_key,
      agentId: r.agent_id,
      entity: r.entity,
      source: r.source,
      stream: r.stream,
      records: r.record_count,
      accepted: r.accepted,
      duplicates: r.duplicates,
      unchanged: r.unchanged,
      stale: r.stale,
      rejected: r.rejected,
      retransmissions: r.retransmissions,
      contentEncoding: r.content_encoding,
      bytes: r.bytes,
      receivedAt: r.received_at,
    }));
  }
}

interface BatchRow {
  agent_id: string;
  idempotency_key: string;
  entity: string;
  source: string;
  stream: string;
  record_count: number;
  accepted: number;
  duplicates: number;
  unchanged: number;
  stale: number;
  rejected: number;
  retransmissions: number;
  content_encoding: string;
  bytes: number;
  received_at: string;
}
