/**
 * The message ids already committed, kept in the stream's checkpoint so that remembering an id and
 * committing its record are one outbox transaction: a redelivery after a crash is recognised exactly.
 * Bounded: the oldest ids are forgotten first (a broker redelivers recent unacked messages only).
 */
import type { JsonValue } from '../../api/index.ts';

export class SeenIds {
  private readonly order: string[];
  private readonly set: Set<string>;
  private readonly limit: number;

  constructor(limit: number, from: JsonValue | undefined) {
    this.limit = limit;
    const ids =
      from !== null && typeof from === 'object' && !Array.isArray(from) && Array.isArray(from['seen'])
        ? from['seen'].filter((v): v is string => typeof v === 'string')
        : [];
    this.order = ids.slice(-limit);
    this.set = new Set(this.order);
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  /** A copy with `ids` added (the committed state changes only on ack). */
  with(ids: readonly string[]): SeenIds {
    const next = new SeenIds(this.limit, { seen: [...this.order, ...ids] });
    return next;
  }

  toCheckpoint(): JsonValue {
    return { seen: [...this.order] };
  }
}
