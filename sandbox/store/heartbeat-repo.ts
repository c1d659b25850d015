import type Database from 'better-sqlite3';
import type { CloudCommand, CloudCommandName, HeartbeatRequest } from '../../agents/api/cloud.ts';
import type { StoredHeartbeat } from '../admin-schemas.ts';
import { randomId } from './secrets.ts';

/** Heartbeats as received, and the command queue they drain (the tunnel's fallback channel). */
export class HeartbeatRepo {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  queueCommand(agentId: string, name: CloudCommandName, args: Record<string, unknown>, nowIso: string): string {
    const id = randomId('cmd');
    this.#db
      .prepare('INSERT INTO commands (id, agent_id, name, args_json, queued_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, agentId, name, JSON.stringify(args), nowIso);
    return id;
  }

  /** Stores the heartbeat and hands over the queued commands, each exactly once, in one transaction. */
  record(agentId: string, body: HeartbeatRequest, nowIso: string): CloudCommand[] {
    return this.#db.transaction(() => {
      this.#db
        .prepare('INSERT INTO heartbeats (agent_id, received_at, body_json) VALUES (?, ?, ?)')
        .run(agentId, nowIso, JSON.stringify(body));
      const rows = this.#db
        .prepare('SELECT id, name, args_json FROM commands WHERE agent_id = ? AND delivered_at IS NULL ORDER BY rowid')
        .all(agentId) as { id: string; name: CloudCommandName; args_json: string }[];
      const deliver = this.#db.prepare('UPDATE commands SET delivered_at = ? WHERE id = ?');
      for (const row of rows) deliver.run(nowIso, row.id);
      return rows.map((r) => ({
        type: 'command' as const,
        id: r.id,
        name: r.name,
        args: JSON.parse(r.args_json) as Record<string, unknown>,
      }));
    })();
  }

  list(limit?: number): StoredHeartbeat[] {
    const rows = this.#db
      .prepare(`SELECT * FROM heartbeats ORDER BY seq ${limit === undefined ? '' : `DESC LIMIT ${Math.trunc(limit)}`}`)
      .all() as { seq: number; agent_id: string; received_at: string; body_json: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      agentId: r.agent_id,
      receivedAt: r.received_at,
      body: JSON.parse(r.body_json) as HeartbeatRequest,
    }));
  }
}
