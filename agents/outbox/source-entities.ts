/**
 * Which entity (company, in the contract's words) each source sends for. Several companies can
 * share one agent (issue 16, item 9), and the entity a change belongs to must never depend on the
 * config at the moment it is sent: a bookkeeper who moves a source to another company in the
 * settings would otherwise send a day of one company's sales into the other's books.
 *
 * So the entity is bound to the source in the outbox, when the source first reads, and batches and
 * files take their entity from this binding, never from the config. A source whose configured
 * entity differs from its binding may move only once nothing of it is left in the outbox under the
 * old one (queued changes, dead letters, originals not yet uploaded); until then it does not read.
 */
import type { SqliteDatabase } from './open-database.ts';

export interface SourceEntityBinding {
  source: string;
  entity: string;
  boundAt: string;
}

/** What the outbox still holds of one source: while any of it is there, the source may not move. */
export interface SourceLeftovers {
  queued: number;
  deadLetters: number;
  filesPending: number;
}

export class SourceEntities {
  readonly #db: SqliteDatabase;
  readonly #nowIso: () => string;
  /** Read on every batch: kept in memory, written through. */
  readonly #cache = new Map<string, string>();

  constructor(db: SqliteDatabase, nowIso: () => string) {
    this.#db = db;
    this.#nowIso = nowIso;
    const rows = db.prepare<[], { source: string; entity: string }>('SELECT source, entity FROM source_entities').all();
    for (const row of rows) this.#cache.set(row.source, row.entity);
  }

  /** The entity `source` is bound to, or undefined before it first read. */
  entityOf(source: string): string | undefined {
    return this.#cache.get(source);
  }

  /** Every source bound to `entity`. */
  sourcesOf(entity: string): string[] {
    return [...this.#cache].filter(([, e]) => e === entity).map(([source]) => source);
  }

  /** Every entity some source is bound to. */
  inUse(): string[] {
    return [...new Set(this.#cache.values())];
  }

  list(): SourceEntityBinding[] {
    return this.#db
      .prepare<[], SourceEntityBinding>('SELECT source, entity, bound_at AS boundAt FROM source_entities ORDER BY source')
      .all();
  }

  /** Binds a source that has none yet; returns the binding in force (the existing one wins). */
  bind(source: string, entity: string): string {
    const existing = this.#cache.get(source);
    if (existing !== undefined) return existing;
    this.#db
      .prepare('INSERT INTO source_entities (source, entity, bound_at) VALUES (?, ?, ?) ON CONFLICT (source) DO NOTHING')
      .run(source, entity, this.#nowIso());
    this.#cache.set(source, entity);
    return entity;
  }

  /** What the outbox still holds of `source`. */
  leftovers(source: string): SourceLeftovers {
    const count = (sql: string): number => this.#db.prepare<[string], number>(sql).pluck().get(source) ?? 0;
    return {
      queued: count('SELECT COUNT(*) FROM records WHERE source = ?'),
      deadLetters: count('SELECT COUNT(*) FROM dead_letters WHERE source = ?'),
      filesPending: count(`SELECT COUNT(*) FROM files WHERE source = ? AND upload_state <> 'uploaded'`),
    };
  }

  /**
   * Moves `source` to `entity` if nothing of it is left under the old one, in one transaction with
   * the check (a record enqueued in between would otherwise change entity). Returns what is left
   * when it may not move yet, or null once it is bound to `entity`.
   */
  move(source: string, entity: string): SourceLeftovers | null {
    return this.#db
      .transaction((): SourceLeftovers | null => {
        if (this.#cache.get(source) === entity) return null;
        const left = this.leftovers(source);
        if (left.queued + left.deadLetters + left.filesPending > 0) return left;
        this.#db
          .prepare(
            'INSERT INTO source_entities (source, entity, bound_at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET entity = excluded.entity, bound_at = excluded.bound_at',
          )
          .run(source, entity, this.#nowIso());
        this.#cache.set(source, entity);
        return null;
      })
      .immediate();
  }
}
