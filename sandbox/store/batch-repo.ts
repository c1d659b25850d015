import type Database from 'better-sqlite3';
import type { BatchRecord, BatchRejection, BatchRequest, BatchResponse } from '../../agents/api/cloud.ts';
import type { RecordFilter, StoredBatch, StoredRecord } from '../admin-schemas.ts';

export interface BatchApplyInput {
  agentId: string;
  idempotencyKey: string;
  /** sha256 of the decoded body bytes: what "the same body" means for a retransmission. */
  bodySha256: string;
  batch: BatchRequest;
  contentEncoding: string;
  bytes: number;
  nowIso: string;
  /** Why the cloud refuses a record, or null to apply it. */
  refuse: (record: BatchRecord, index: number) => { code: string; message: string } | null;
}

export type IdempotencyOutcome =
  { kind: 'new' } | { kind: 'replayed'; response: BatchResponse } | { kind: 'key_reused' };

/** The key of a record as the dedupe sees it: JSON with fields in code-unit order. */
export function canonicalKeyJson(key: Record<string, string>): string {
  const sorted = Object.keys(key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(sorted.map((k) => [k, key[k]])));
}

/** Batches, their stored responses, and the records they applied, deduplicated forever. */
export class BatchRepo {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * What an idempotency key already means: nothing yet, a retransmission (counted, answered with
   * the stored response, nothing re-applied), or a key reused for a different body.
   */
  checkIdempotency(agentId: string, idempotencyKey: string, bodySha256: string): IdempotencyOutcome {
    return this.#db.transaction((): IdempotencyOutcome => {
      const row = this.#db
        .prepare('SELECT seq, body_sha256, response_json FROM batches WHERE agent_id = ? AND idempotency_key = ?')
        .get(agentId, idempotencyKey) as { seq: number; body_sha256: string; response_json: string } | undefined;
      if (row === undefined) return { kind: 'new' };
      if (row.body_sha256 !== bodySha256) return { kind: 'key_reused' };
      this.#db.prepare('UPDATE batches SET retransmissions = retransmissions + 1 WHERE seq = ?').run(row.seq);
      return { kind: 'replayed', response: JSON.parse(row.response_json) as BatchResponse };
    })();
  }

  /** Applies the records and stores the response in one transaction, so a crash leaves both or neither. */
  apply(input: BatchApplyInput): IdempotencyOutcome | { kind: 'applied'; response: BatchResponse } {
    return this.#db.transaction(() => {
      const prior = this.checkIdempotency(input.agentId, input.idempotencyKey, input.bodySha256);
      if (prior.kind !== 'new') return prior;
      const { batch } = input;
      const batchSeq = Number(
        this.#db
          .prepare(
            `INSERT INTO batches (agent_id, idempotency_key, body_sha256, entity, source, stream, record_count,
               accepted, duplicates, rejected, response_json, content_encoding, bytes, received_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, '', ?, ?, ?)`,
          )
          .run(
            input.agentId,
            input.idempotencyKey,
            input.bodySha256,
            batch.entity,
            batch.source,
            batch.stream,
            batch.records.length,
            input.contentEncoding,
            input.bytes,
            input.nowIso,
          ).lastInsertRowid,
      );
      const insert = this.#db.prepare(
        `INSERT INTO records (batch_seq, entity, source, stream, key_json, version, op, captured_at, data_json, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (entity, source, stream, key_json, version) DO NOTHING`,
      );
      let accepted = 0;
      let duplicates = 0;
      const rejected: BatchRejection[] = [];
      batch.records.forEach((record, index) => {
        const refusal = input.refuse(record, index);
        if (refusal !== null) return void rejected.push({ index, ...refusal });
        const info = insert.run(
          batchSeq,
          batch.entity,
          batch.source,
          batch.stream,
          canonicalKeyJson(record.key),
          record.version,
          record.op,
          record.capturedAt,
          record.data === undefined ? null : JSON.stringify(record.data),
          input.nowIso,
        );
        if (info.changes === 1) accepted += 1;
        else duplicates += 1;
      });
      const response: BatchResponse = { batchId: batch.batchId, accepted, duplicates, rejected };
      this.#db
        .prepare('UPDATE batches SET accepted = ?, duplicates = ?, rejected = ?, response_json = ? WHERE seq = ?')
        .run(accepted, duplicates, rejected.length, JSON.stringify(response), batchSeq);
      return { kind: 'applied' as const, response };
    })();
  }

  records(filter: RecordFilter, limit?: number): StoredRecord[] {
    const where: string[] = [];
    const params: string[] = [];
    for (const column of ['entity', 'source', 'stream'] as const) {
      const value = filter[column];
      if (value !== undefined) {
        where.push(`r.${column} = ?`);
        params.push(value);
      }
    }
    const rows = this.#db
      .prepare(
        `SELECT r.*, b.idempotency_key AS batch_id FROM records r JOIN batches b ON b.seq = r.batch_seq
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.seq
         ${limit === undefined ? '' : `LIMIT ${Math.trunc(limit)}`}`,
      )
      .all(...params) as RecordRow[];
    return rows.map(toStoredRecord);
  }

  /** The newest `perStream` records of every (entity, source, stream), newest first within each. */
  latestPerStream(perStream: number): StoredRecord[] {
    const rows = this.#db
      .prepare(
        `SELECT * FROM (
           SELECT r.*, b.idempotency_key AS batch_id,
             ROW_NUMBER() OVER (PARTITION BY r.entity, r.source, r.stream ORDER BY r.seq DESC) AS rn
           FROM records r JOIN batches b ON b.seq = r.batch_seq)
         WHERE rn <= ? ORDER BY entity, source, stream, seq DESC`,
      )
      .all(perStream) as RecordRow[];
    return rows.map(toStoredRecord);
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
      rejected: r.rejected,
      retransmissions: r.retransmissions,
      contentEncoding: r.content_encoding,
      bytes: r.bytes,
      receivedAt: r.received_at,
    }));
  }
}

interface RecordRow {
  seq: number;
  batch_id: string;
  entity: string;
  source: string;
  stream: string;
  key_json: string;
  version: string;
  op: 'upsert' | 'delete';
  captured_at: string;
  data_json: string | null;
  received_at: string;
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
  rejected: number;
  retransmissions: number;
  content_encoding: string;
  bytes: number;
  received_at: string;
}

function toStoredRecord(r: RecordRow): StoredRecord {
  return {
    seq: r.seq,
    batchId: r.batch_id,
    entity: r.entity,
    source: r.source,
    stream: r.stream,
    key: JSON.parse(r.key_json) as Record<string, string>,
    op: r.op,
    version: r.version,
    capturedAt: r.captured_at,
    ...(r.data_json === null ? {} : { data: JSON.parse(r.data_json) as Record<string, unknown> }),
    receivedAt: r.received_at,
  };
}
