import type Database from 'better-sqlite3';
import type { HistoryEntry, HistoryFilter, LatestEntry, StoredRecord } from '../inspection-schemas.ts';

export interface HistoryInsert {
  batchSeq: number;
  entity: string;
  source: string;
  stream: string;
  keyJson: string;
  seq: number;
  version: string;
  op: 'upsert' | 'delete';
  capturedAt: string;
  dataJson: string | null;
  group: string | null;
  outcome: 'accepted' | 'stale' | 'unchanged';
  receivedAt: string;
}

export interface StreamScope {
  entity: string;
  source: string;
  stream: string;
}

interface HistoryRow {
  id: number;
  batch_id: string;
  agent_id: string;
  entity: string;
  source: string;
  stream: string;
  key_json: string;
  seq: number;
  version: string;
  op: 'upsert' | 'delete';
  captured_at: string;
  data_json: string | null;
  grp: string | null;
  outcome: 'accepted' | 'stale' | 'unchanged';
  received_at: string;
}

/** The key of a record as the store sees it: JSON with fields in code-unit order. */
export function canonicalKeyJson(key: Record<string, string>): string {
  const sorted = Object.keys(key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(sorted.map((k) => [k, key[k]])));
}

function where(filter: HistoryFilter, alias: string): { sql: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  for (const column of ['entity', 'source', 'stream'] as const) {
    const value = filter[column];
    if (value !== undefined) {
      parts.push(`${alias}.${column} = ?`);
      params.push(value);
    }
  }
  if (filter.key !== undefined) {
    parts.push(`${alias}.key_json = ?`);
    params.push(canonicalKeyJson(filter.key));
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

const WITH_BATCH = 'h.*, b.idempotency_key AS batch_id, b.agent_id AS agent_id';

/**
 * Every record the cloud holds per key, unique forever by (entity, source, stream, key, seq), and each
 * key's latest. The floors the agents' clocks must stay above are read from here.
 */
export class HistoryRepo {
  readonly #db: Database.Database;
  // Prepared once: a 5,000-record batch runs these 10,000 times.
  readonly #versionAt: Database.Statement;
  readonly #latestOf: Database.Statement;
  readonly #insert: Database.Statement;
  readonly #setLatest: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#versionAt = db.prepare(
      'SELECT version FROM history WHERE entity = ? AND source = ? AND stream = ? AND key_json = ? AND seq = ?',
    );
    this.#latestOf = db.prepare(
      'SELECT seq, version FROM latest WHERE entity = ? AND source = ? AND stream = ? AND key_json = ?',
    );
    this.#insert = db.prepare(
      `INSERT INTO history (batch_seq, entity, source, stream, key_json, seq, version, op, captured_at, data_json, grp,
         outcome, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#setLatest = db.prepare(
      `INSERT INTO latest (entity, source, stream, key_json, seq, version, history_id) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (entity, source, stream, key_json) DO UPDATE SET seq = excluded.seq, version = excluded.version,
         history_id = excluded.history_id`,
    );
  }

  versionAt(scope: StreamScope, keyJson: string, seq: number): string | undefined {
    const row = this.#versionAt.get(scope.entity, scope.source, scope.stream, keyJson, seq) as
      { version: string } | undefined;
    return row?.version;
  }

  latestOf(scope: StreamScope, keyJson: string): { seq: number; version: string } | undefined {
    return this.#latestOf.get(scope.entity, scope.source, scope.stream, keyJson) as
      { seq: number; version: string } | undefined;
  }

  /** Stores a record in the history; an accepted or unchanged one also becomes the key's latest. */
  insert(row: HistoryInsert): void {
    const id = Number(
      this.#insert.run(
        row.batchSeq,
        row.entity,
        row.source,
        row.stream,
        row.keyJson,
        row.seq,
        row.version,
        row.op,
        row.capturedAt,
        row.dataJson,
        row.group,
        row.outcome,
        row.receivedAt,
      ).lastInsertRowid,
    );
    if (row.outcome === 'stale') return;
    this.#setLatest.run(row.entity, row.source, row.stream, row.keyJson, row.seq, row.version, id);
  }

  /** Per entity, the highest seq held (0 when none): the floor an agent's clock numbers above. */
  floors(entities: readonly string[]): Record<string, number> {
    const statement = this.#db.prepare('SELECT MAX(seq) AS floor FROM history WHERE entity = ?');
    return Object.fromEntries(
      entities.map((entity) => [entity, (statement.get(entity) as { floor: number | null }).floor ?? 0]),
    );
  }

  /** Every record held for the matching keys, ordered by stream, key and seq. */
  history(filter: HistoryFilter, limit?: number): HistoryEntry[] {
    const w = where(filter, 'h');
    const rows = this.#db
      .prepare(
        `SELECT ${WITH_BATCH} FROM history h JOIN batches b ON b.seq = h.batch_seq ${w.sql}
         ORDER BY h.entity, h.source, h.stream, h.key_json, h.seq ${limitSql(limit)}`,
      )
      .all(...w.params) as HistoryRow[];
    return rows.map(toHistoryEntry);
  }

  /** Each matching key's latest record, at the seq the key stands at. */
  latest(filter: HistoryFilter, limit?: number): LatestEntry[] {
    const w = where(filter, 'l');
    const rows = this.#db
      .prepare(
        `SELECT l.seq AS latest_seq, ${WITH_BATCH} FROM latest l JOIN history h ON h.id = l.history_id
           JOIN batches b ON b.seq = h.batch_seq ${w.sql}
         ORDER BY l.entity, l.source, l.stream, l.key_json ${limitSql(limit)}`,
      )
      .all(...w.params) as (HistoryRow & { latest_seq: number })[];
    return rows.map((r) => {
      const { outcome: _outcome, ...entry } = toHistoryEntry(r);
      return { ...entry, seq: r.latest_seq };
    });
  }

  /** Records that became their key's latest when they arrived, in arrival order. */
  accepted(filter: HistoryFilter, limit?: number): StoredRecord[] {
    const w = where(filter, 'h');
    const rows = this.#db
      .prepare(
        `SELECT ${WITH_BATCH} FROM history h JOIN batches b ON b.seq = h.batch_seq
         ${w.sql === '' ? 'WHERE' : `${w.sql} AND`} h.outcome = 'accepted' ORDER BY h.id ${limitSql(limit)}`,
      )
      .all(...w.params) as HistoryRow[];
    return rows.map((r) => {
      const { outcome: _outcome, ...record } = toHistoryEntry(r);
      return record;
    });
  }

  /** The newest `perStream` accepted records of every stream, newest first within each. */
  latestPerStream(perStream: number): HistoryEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT * FROM (
           SELECT ${WITH_BATCH},
             ROW_NUMBER() OVER (PARTITION BY h.entity, h.source, h.stream ORDER BY h.id DESC) AS rn
           FROM history h JOIN batches b ON b.seq = h.batch_seq)
         WHERE rn <= ? ORDER BY entity, source, stream, id DESC`,
      )
      .all(perStream) as HistoryRow[];
    return rows.map(toHistoryEntry);
  }
}

function limitSql(limit: number | undefined): string {
  return limit === undefined ? '' : `LIMIT ${Math.trunc(limit)}`;
}

function toHistoryEntry(r: HistoryRow): HistoryEntry {
  return {
    id: r.id,
    batchId: r.batch_id,
    agentId: r.agent_id,
    entity: r.entity,
    source: r.source,
    stream: r.stream,
    key: JSON.parse(r.key_json) as Record<string, string>,
    seq: r.seq,
    version: r.version,
    op: r.op,
    capturedAt: r.captured_at,
    ...(r.data_json === null ? {} : { data: JSON.parse(r.data_json) as Record<string, unknown> }),
    ...(r.grp === null ? {} : { group: r.grp }),
    outcome: r.outcome,
    receivedAt: r.received_at,
  };
}
