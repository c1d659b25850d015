/** A small key/value table for the agent's own durable facts (enrollment, cursors of its own). */
import type { SqliteDatabase } from './open-database.ts';
import { preparedOnce } from './prepared-once.ts';

export class AgentStateStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(key: string): string | undefined {
    return preparedOnce<[string], string>(this.#db, 'SELECT value FROM agent_state WHERE key = ?', 'pluck').get(key);
  }

  set(key: string, value: string): void {
    preparedOnce<[string, string]>(
      this.#db,
      'INSERT INTO agent_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  delete(key: string): void {
    preparedOnce<[string]>(this.#db, 'DELETE FROM agent_state WHERE key = ?').run(key);
  }
}
