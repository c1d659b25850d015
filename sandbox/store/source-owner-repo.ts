import type Database from 'better-sqlite3';
import type { SourceOwner } from '../inspection-schemas.ts';

/** One writer per source (cloud-api.md § Authentication 5): the first agent to send for (entity, source) owns it. */
export class SourceOwnerRepo {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Claims the source for `agentId` when it is free; answers the owner afterwards (another agent: refuse). */
  claim(entity: string, source: string, agentId: string, nowIso: string): string {
    this.#db
      .prepare('INSERT OR IGNORE INTO source_owners (entity, source, agent_id, since) VALUES (?, ?, ?, ?)')
      .run(entity, source, agentId, nowIso);
    return this.owner(entity, source)!;
  }

  owner(entity: string, source: string): string | undefined {
    const row = this.#db
      .prepare('SELECT agent_id FROM source_owners WHERE entity = ? AND source = ?')
      .get(entity, source) as { agent_id: string } | undefined;
    return row?.agent_id;
  }

  /** The operator's hand-over: the source moves to `agentId`, or becomes free when null. */
  handover(entity: string, source: string, agentId: string | null, nowIso: string): void {
    if (agentId === null) {
      this.#db.prepare('DELETE FROM source_owners WHERE entity = ? AND source = ?').run(entity, source);
      return;
    }
    this.#db
      .prepare(
        `INSERT INTO source_owners (entity, source, agent_id, since) VALUES (?, ?, ?, ?)
         ON CONFLICT (entity, source) DO UPDATE SET agent_id = excluded.agent_id, since = excluded.since`,
      )
      .run(entity, source, agentId, nowIso);
  }

  /** An unregistered agent's sources are free for another agent. */
  release(agentId: string): number {
    return this.#db.prepare('DELETE FROM source_owners WHERE agent_id = ?').run(agentId).changes;
  }

  list(): SourceOwner[] {
    const rows = this.#db.prepare('SELECT * FROM source_owners ORDER BY entity, source').all() as {
      entity: string;
      source: string;
      agent_id: string;
      since: string;
    }[];
    return rows.map((r) => ({ entity: r.entity, source: r.source, agentId: r.agent_id, since: r.since }));
  }
}
