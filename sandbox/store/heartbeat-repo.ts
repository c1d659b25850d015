import type Database from 'better-sqlite3';
import type { CloudCommand, CommandAck, HeartbeatRequest } from '../../agents/api/cloud.ts';
import type { StoredHeartbeat } from '../admin-schemas.ts';
import type { StoredAck, StoredCommand } from '../inspection-schemas.ts';
import { randomId } from './secrets.ts';

export type CommandSignature = StoredCommand['signature'];

/** Heartbeats as received, the command queue they drain (the tunnel's fallback channel), and the acks. */
export class HeartbeatRepo {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  queueCommand(
    agentId: string,
    name: string,
    args: Record<string, unknown>,
    signature: CommandSignature,
    nowIso: string,
    bothChannels = false,
  ): string {
    const id = randomId('cmd');
    this.#db
      .prepare(
        'INSERT INTO commands (id, agent_id, name, args_json, signature, queued_at, both_channels) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, agentId, name, JSON.stringify(args), signature, nowIso, bothChannels ? 1 : 0);
    return id;
  }

  /**
   * The commands to send down a freshly opened or still open tunnel: those the heartbeat has not
   * handed over and nobody has acknowledged. A command sent on a tunnel that died before its ack is
   * sent again on the next one (the agent's ledger keeps it at most once); marked as sent now.
   */
  takeForTunnel(
    agentId: string,
    nowIso: string,
    sign: (command: CloudCommand, signature: CommandSignature) => CloudCommand,
  ): CloudCommand[] {
    return this.#db.transaction(() => {
      const rows = this.#db
        .prepare(
          `SELECT id, name, args_json, signature FROM commands c WHERE agent_id = ? AND delivered_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM command_acks a WHERE a.agent_id = c.agent_id AND a.command_id = c.id)
           ORDER BY rowid`,
        )
        .all(agentId) as CommandRow[];
      const sent = this.#db.prepare('UPDATE commands SET tunnel_delivered_at = ? WHERE id = ?');
      for (const row of rows) sent.run(nowIso, row.id);
      return rows.map((r) => sign(wireCommand(r), r.signature));
    })();
  }

  /** The last `{"type": "status"}` message an agent sent on its tunnel (the heartbeat body). */
  recordTunnelStatus(agentId: string, body: HeartbeatRequest | Record<string, unknown>, nowIso: string): void {
    this.#db
      .prepare(
        `INSERT INTO tunnel_status (agent_id, received_at, body_json) VALUES (?, ?, ?)
         ON CONFLICT (agent_id) DO UPDATE SET received_at = excluded.received_at, body_json = excluded.body_json`,
      )
      .run(agentId, nowIso, JSON.stringify(body));
  }

  tunnelStatus(agentId: string): { receivedAt: string; body: Record<string, unknown> } | undefined {
    const row = this.#db.prepare('SELECT received_at, body_json FROM tunnel_status WHERE agent_id = ?').get(agentId) as
      { received_at: string; body_json: string } | undefined;
    return row === undefined
      ? undefined
      : { receivedAt: row.received_at, body: JSON.parse(row.body_json) as Record<string, unknown> };
  }

  /**
   * Stores the heartbeat and its acks, and hands over the queued commands, each exactly once, in one
   * transaction. `sign` turns a command into what goes on the wire (signed as the command asks).
   * With the agent's tunnel open, what went down the tunnel stays there (unless queued for both
   * channels); with it closed, a command the tunnel took but nobody acknowledged comes this way.
   */
  record(
    agentId: string,
    body: HeartbeatRequest,
    nowIso: string,
    sign: (command: CloudCommand, signature: CommandSignature) => CloudCommand,
    tunnelOpen = false,
  ): CloudCommand[] {
    return this.#db.transaction(() => {
      this.#db
        .prepare('INSERT INTO heartbeats (agent_id, received_at, body_json) VALUES (?, ?, ?)')
        .run(agentId, nowIso, JSON.stringify(body));
      for (const ack of body.acks) this.recordAck(agentId, ack, 'heartbeat', nowIso);
      const rows = this.#db
        .prepare(
          `SELECT id, name, args_json, signature FROM commands c WHERE agent_id = ? AND delivered_at IS NULL
           AND (both_channels = 1 OR tunnel_delivered_at IS NULL OR (? = 0 AND NOT EXISTS
             (SELECT 1 FROM command_acks a WHERE a.agent_id = c.agent_id AND a.command_id = c.id)))
           ORDER BY rowid`,
        )
        .all(agentId, tunnelOpen ? 1 : 0) as CommandRow[];
      const deliver = this.#db.prepare('UPDATE commands SET delivered_at = ? WHERE id = ?');
      for (const row of rows) deliver.run(nowIso, row.id);
      return rows.map((r) => sign(wireCommand(r), r.signature));
    })();
  }

  recordAck(agentId: string, ack: CommandAck, channel: StoredAck['channel'], nowIso: string): void {
    this.#db
      .prepare(
        'INSERT INTO command_acks (agent_id, command_id, ok, ack_json, channel, received_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(agentId, ack.id, ack.ok ? 1 : 0, JSON.stringify(ack), channel, nowIso);
  }

  acks(agentId?: string): StoredAck[] {
    const rows = this.#db
      .prepare(`SELECT * FROM command_acks ${agentId === undefined ? '' : 'WHERE agent_id = ?'} ORDER BY seq`)
      .all(...(agentId === undefined ? [] : [agentId])) as {
      agent_id: string;
      command_id: string;
      ok: number;
      ack_json: string;
      channel: StoredAck['channel'];
      received_at: string;
    }[];
    return rows.map((r) => ({
      agentId: r.agent_id,
      commandId: r.command_id,
      ok: r.ok === 1,
      ack: JSON.parse(r.ack_json) as Record<string, unknown>,
      channel: r.channel,
      receivedAt: r.received_at,
    }));
  }

  commands(agentId?: string): StoredCommand[] {
    const rows = this.#db
      .prepare(`SELECT * FROM commands ${agentId === undefined ? '' : 'WHERE agent_id = ?'} ORDER BY rowid`)
      .all(...(agentId === undefined ? [] : [agentId])) as {
      id: string;
      agent_id: string;
      name: string;
      args_json: string;
      signature: CommandSignature;
      queued_at: string;
      delivered_at: string | null;
      tunnel_delivered_at: string | null;
      both_channels: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      agentId: r.agent_id,
      name: r.name,
      args: JSON.parse(r.args_json) as Record<string, unknown>,
      signature: r.signature,
      queuedAt: r.queued_at,
      deliveredAt: r.delivered_at,
      tunnelDeliveredAt: r.tunnel_delivered_at,
      bothChannels: r.both_channels === 1,
    }));
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

type CommandRow = { id: string; name: string; args_json: string; signature: CommandSignature };

function wireCommand(row: CommandRow): CloudCommand {
  return { type: 'command', id: row.id, name: row.name, args: JSON.parse(row.args_json) as Record<string, unknown> };
}
