import type Database from 'better-sqlite3';
import type { WritebackItem, WritebackResult } from '../../agents/api/writeback.ts';
import { randomId } from './secrets.ts';

/**
 * Write-back items the cloud has for an agent and the results the agent reported
 * (cloud-api.md § Write-back). Its tables are made here with IF NOT EXISTS so the sandbox's own
 * schema versioning is not touched: an older sandbox file simply gains them.
 */
export class WritebackRepo {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS writeback_items (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        agent_id TEXT NOT NULL,
        key_json TEXT NOT NULL,
        seq INTEGER NOT NULL,
        item_json TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS writeback_results (
        id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        status TEXT NOT NULL,
        result_json TEXT NOT NULL
      );`);
  }

  /** A new item; its seq is one past the highest for the same agent, target and key. */
  create(agentId: string, item: Omit<WritebackItem, 'id' | 'seq' | 'sig'>, sign: (item: WritebackItem) => WritebackItem): WritebackItem {
    return this.#db.transaction(() => {
      const keyJson = JSON.stringify([item.target, item.key]);
      const row = this.#db
        .prepare('SELECT MAX(seq) AS seq FROM writeback_items WHERE agent_id = ? AND key_json = ?')
        .get(agentId, keyJson) as { seq: number | null };
      const unsigned: WritebackItem = { id: randomId('wb'), seq: (row.seq ?? 0) + 1, ...item };
      const signed = sign(unsigned);
      this.#db
        .prepare('INSERT INTO writeback_items (id, agent_id, key_json, seq, item_json) VALUES (?, ?, ?, ?, ?)')
        .run(signed.id, agentId, keyJson, signed.seq, JSON.stringify(signed));
      return signed;
    })();
  }

  /** Items after the cursor (an opaque position), oldest first. */
  list(agentId: string, after: number, limit: number): { items: WritebackItem[]; cursor: string } {
    const rows = this.#db
      .prepare('SELECT pos, item_json FROM writeback_items WHERE agent_id = ? AND pos > ? ORDER BY pos LIMIT ?')
      .all(agentId, after, limit) as { pos: number; item_json: string }[];
    const last = rows.at(-1)?.pos ?? after;
    return { items: rows.map((r) => JSON.parse(r.item_json) as WritebackItem), cursor: String(last) };
  }

  owner(id: string): string | undefined {
    return (this.#db.prepare('SELECT agent_id FROM writeback_items WHERE id = ?').get(id) as { agent_id: string } | undefined)
      ?.agent_id;
  }

  /** The final status reported for an item, if any (pending is not final). */
  finalStatus(id: string): WritebackResult | undefined {
    const row = this.#db
      .prepare("SELECT result_json FROM writeback_results WHERE id = ? AND status <> 'pending' ORDER BY rowid LIMIT 1")
      .get(id) as { result_json: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.result_json) as WritebackResult);
  }

  recordResult(result: WritebackResult, nowIso: string): void {
    this.#db
      .prepare('INSERT INTO writeback_results (id, received_at, status, result_json) VALUES (?, ?, ?, ?)')
      .run(result.id, nowIso, result.status, JSON.stringify(result));
  }

  /** Every result received for the agent's items, in arrival order (tests compare them with the target). */
  results(agentId: string): (WritebackResult & { receivedAt: string })[] {
    const rows = this.#db
      .prepare(
        `SELECT r.result_json, r.received_at FROM writeback_results r JOIN writeback_items i ON i.id = r.id
         WHERE i.agent_id = ? ORDER BY r.rowid`,
      )
      .all(agentId) as { result_json: string; received_at: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.result_json) as WritebackResult), receivedAt: r.received_at }));
  }
}
