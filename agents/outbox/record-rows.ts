/** Rows of the `records` table and their conversion back to records as the cloud will see them. */
import type { JsonObject, Lane, RecordKey, RecordOp } from '../api/index.ts';
import type { OutboxRecord } from './outbox-types.ts';

export interface RecordRow {
  id: number;
  source: string;
  stream: string;
  lane: Lane;
  key_canonical: string;
  op: RecordOp;
  version: string;
  data: string | null;
  captured_at: string;
  bytes: number;
  attempts: number;
  seq: number;
  grp: string | null;
  /** Completeness (day-totals.ts): null for records queued before it existed. */
  day: string | null;
  currency: string | null;
  amount: string | null;
  schema_version: number;
}

export const RECORD_COLUMNS =
  'id, source, stream, lane, key_canonical, op, version, data, captured_at, bytes, attempts, seq, grp, day, currency, amount, schema_version';

export function toOutboxRecord(row: RecordRow): OutboxRecord {
  // Parsed from canonical text: key order is canonical, so a re-sent batch serialises identically.
  const record: OutboxRecord = {
    id: row.id,
    source: row.source,
    stream: row.stream,
    lane: row.lane,
    key: JSON.parse(row.key_canonical) as RecordKey,
    op: row.op,
    version: row.version,
    seq: row.seq,
    capturedAt: row.captured_at,
    attempts: row.attempts,
  };
  if (row.data !== null) record.data = JSON.parse(row.data) as JsonObject;
  if (row.grp !== null) record.group = row.grp;
  return record;
}

/**
 * What a record adds to a request body beyond its key and data: `{"key":,"op":"","version":"",
 * "seq":,"capturedAt":"","data":,"group":""}` plus a separating comma. Used to keep formed batches
 * under maxBytes.
 */
export function wireBytes(row: Pick<RecordRow, 'bytes' | 'op' | 'version' | 'captured_at' | 'data' | 'grp'>): number {
  const punctuation = (row.data === null ? 46 : 54) + 23 + (row.grp === null ? 0 : 11 + row.grp.length);
  return row.bytes + row.op.length + row.version.length + row.captured_at.length + punctuation;
}

/** A WHERE fragment selecting rows by id list or all of them, with its bind parameters. */
export function idSelection(ids: readonly number[] | 'all'): { where: string; params: string[] } {
  if (ids === 'all') return { where: '1', params: [] };
  for (const id of ids) {
    if (!Number.isSafeInteger(id)) throw new TypeError(`Dead letter ids must be integers; got ${String(id)}`);
  }
  return { where: 'id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(ids)] };
}
