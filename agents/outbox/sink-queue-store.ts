/**
 * The durable queue of broker sinks (docs/rabbitmq-sink.md). A captured record of a stream a sink
 * publishes is queued here inside the transaction that queues it for the cloud (RecordWriter), so
 * the sink and the cloud see the same committed changes and a crash can lose neither. A row leaves
 * only when the broker confirmed it. `published` counts publishes: a row published again (after a
 * dropped connection or a restart left it unconfirmed) adds one to the sink's `republished`.
 */
import type { SinkStatus } from '../api/sink-config.ts';
import type { SqliteDatabase } from './open-database.ts';

/** Which sinks take the records of one stream, and the routing key each gives them. */
export interface SinkRoute {
  sink: string;
  source: string;
  stream: string;
  /** `{source}`, `{stream}`, `{op}` replaced per record. */
  routingKey: string;
}

/** What RecordWriter hands over for a record it queued (the fields of its PreparedRecord). */
export interface SinkRecord {
  keyJson: string;
  op: 'upsert' | 'delete';
  version: string;
  dataJson: string | null;
  capturedAt: string;
}

export interface SinkMessage {
  id: number;
  messageId: string;
  source: string;
  stream: string;
  op: string;
  seq: number;
  routingKey: string;
  body: string;
  published: number;
}

export type SinkState = SinkStatus['state'];

/** The id every consumer can dedupe on: the same record always gets the same one, across restarts. */
export function sinkMessageId(source: string, stream: string, seq: number): string {
  return `${source}/${stream}/${seq}`;
}

/**
 * The message body, built as text: key and data are the canonical JSON the outbox stores, so amounts
 * stay the exact decimal strings (or numbers) the source read, never re-parsed into JS numbers.
 */
export function sinkBody(source: string, stream: string, seq: number, record: SinkRecord): string {
  return (
    `{"source":${JSON.stringify(source)},"stream":${JSON.stringify(stream)},"seq":${seq},"op":${JSON.stringify(record.op)},` +
    `"key":${record.keyJson},"data":${record.dataJson ?? 'null'},"version":${JSON.stringify(record.version)},` +
    `"capturedAt":${JSON.stringify(record.capturedAt)}}`
  );
}

export class SinkQueueStore {
  readonly #db: SqliteDatabase;
  readonly #nowIso: () => string;
  #routes = new Map<string, SinkRoute[]>();
  readonly #insert;
  readonly #next;
  readonly #bump;
  readonly #delete;
  readonly #ensureState;

  constructor(db: SqliteDatabase, nowIso: () => string) {
    this.#db = db;
    this.#nowIso = nowIso;
    this.#insert = db.prepare<[string, string, string, string, string, number, string, string, string]>(
      `INSERT OR IGNORE INTO sink_queue (sink, message_id, source, stream, op, seq, routing_key, body, queued_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#next = db.prepare<[string, number, number], SinkMessage>(
      `SELECT id, message_id AS messageId, source, stream, op, seq, routing_key AS routingKey, body, published
       FROM sink_queue WHERE sink = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.#bump = db.prepare<[number]>('UPDATE sink_queue SET published = published + 1 WHERE id = ?');
    this.#delete = db.prepare<[string, number]>('DELETE FROM sink_queue WHERE sink = ? AND id = ?');
    this.#ensureState = db.prepare<[string]>('INSERT OR IGNORE INTO sink_state (sink) VALUES (?)');
  }

  /** The sinks in force (set at start and on every config change); records captured meanwhile follow them. */
  setRoutes(routes: readonly SinkRoute[]): void {
    const next = new Map<string, SinkRoute[]>();
    for (const route of routes) {
      const id = `${route.source}\n${route.stream}`;
      next.set(id, [...(next.get(id) ?? []), route]);
    }
    this.#routes = next;
  }

  /** Called inside RecordWriter's transaction for every record it queued for the cloud. */
  addWithin(source: string, stream: string, record: SinkRecord, seq: number): void {
    const routes = this.#routes.get(`${source}\n${stream}`);
    if (routes === undefined) return;
    const body = sinkBody(source, stream, seq, record);
    const messageId = sinkMessageId(source, stream, seq);
    const at = this.#nowIso();
    for (const route of routes) {
      const routingKey = route.routingKey.replaceAll('{source}', source).replaceAll('{stream}', stream).replaceAll('{op}', record.op);
      this.#insert.run(route.sink, messageId, source, stream, record.op, seq, routingKey, body, at);
    }
  }

  /** The next messages of a sink after `afterId`, in the order they were captured. */
  next(sink: string, afterId: number, limit: number): SinkMessage[] {
    return this.#next.all(sink, afterId, limit);
  }

  /**
   * Records that these messages are about to be published, before they are: a crash after this makes
   * the next publish of each a counted republish. Returns how many of them are republishes.
   */
  markPublishing(sink: string, messages: readonly SinkMessage[]): number {
    return this.#db.transaction(() => {
      this.#ensureState.run(sink);
      const again = messages.filter((m) => m.published > 0).length;
      for (const message of messages) this.#bump.run(message.id);
      if (again > 0) this.#db.prepare('UPDATE sink_state SET republished = republished + ? WHERE sink = ?').run(again, sink);
      return again;
    })();
  }

  /** The broker confirmed these: they leave the queue and count as confirmed. */
  confirm(sink: string, ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.#db.transaction(() => {
      this.#ensureState.run(sink);
      let removed = 0;
      for (const id of ids) removed += this.#delete.run(sink, id).changes;
      this.#db
        .prepare('UPDATE sink_state SET confirmed = confirmed + ?, last_confirmed_at = ? WHERE sink = ?')
        .run(removed, this.#nowIso(), sink);
    })();
  }

  setState(sink: string, state: SinkState, error?: string): void {
    this.#ensureState.run(sink);
    if (error === undefined) this.#db.prepare('UPDATE sink_state SET state = ? WHERE sink = ?').run(state, sink);
    else this.#db.prepare('UPDATE sink_state SET state = ?, last_error = ?, last_error_at = ? WHERE sink = ?').run(state, error, this.#nowIso(), sink);
  }

  /** One row per configured sink, counted from the queue and the durable counters. */
  status(sinks: ReadonlyArray<{ name: string; exchange: string }>): SinkStatus[] {
    const count = this.#db.prepare<[string], { queued: number; unconfirmed: number }>(
      `SELECT COALESCE(SUM(published = 0), 0) AS queued, COALESCE(SUM(published > 0), 0) AS unconfirmed
       FROM sink_queue WHERE sink = ?`,
    );
    const state = this.#db.prepare<
      [string],
      { confirmed: number; republished: number; state: SinkState; last_error: string | null; last_error_at: string | null; last_confirmed_at: string | null }
    >('SELECT confirmed, republished, state, last_error, last_error_at, last_confirmed_at FROM sink_state WHERE sink = ?');
    return sinks.map((sink) => {
      const counts = count.get(sink.name) ?? { queued: 0, unconfirmed: 0 };
      const row = state.get(sink.name);
      return {
        name: sink.name,
        type: 'rabbitmq' as const,
        exchange: sink.exchange,
        state: row?.state ?? 'stopped',
        queued: counts.queued,
        unconfirmed: counts.unconfirmed,
        confirmed: row?.confirmed ?? 0,
        republished: row?.republished ?? 0,
        lastError: row?.last_error == null ? null : { at: row.last_error_at ?? '', message: row.last_error },
        lastConfirmedAt: row?.last_confirmed_at ?? null,
      };
    });
  }
}
