import type Database from 'better-sqlite3';
import type { EnrollRequest, EnrollResponse, RotateResponse } from '../../agents/api/cloud.ts';
import type { StoredAgent } from '../admin-schemas.ts';
import { randomId, randomSecret, sameHash, sha256Hex } from './secrets.ts';

interface AgentRow {
  agent_id: string;
  client_id: string;
  client_secret_sha256: string;
  signing_secret: string;
  previous_signing_secret: string | null;
  previous_valid_until_ms: number | null;
  name: string;
  hostname: string;
  version: string;
  enrolled_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
}

export interface AgentCredentialsCheck {
  agentId: string;
  revoked: boolean;
}

export type EnrollOutcome =
  { kind: 'enrolled'; credentials: EnrollResponse } | { kind: 'unknown_key' } | { kind: 'key_used' };

/** Enrollment keys, agents, their secrets and bearer tokens. Only hashes of keys, client secrets and tokens are kept. */
export class AgentRepo {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Idempotent: an existing key keeps its state (a used key stays used). */
  createEnrollmentKey(key: string, nowIso: string): { created: boolean; used: boolean } {
    const hash = sha256Hex(key);
    const info = this.#db
      .prepare('INSERT OR IGNORE INTO enrollment_keys (key_sha256, created_at) VALUES (?, ?)')
      .run(hash, nowIso);
    const row = this.#db.prepare('SELECT used_at FROM enrollment_keys WHERE key_sha256 = ?').get(hash) as {
      used_at: string | null;
    };
    return { created: info.changes === 1, used: row.used_at !== null };
  }

  enroll(request: EnrollRequest, nowIso: string): EnrollOutcome {
    return this.#db.transaction((): EnrollOutcome => {
      const hash = sha256Hex(request.enrollmentKey);
      const key = this.#db.prepare('SELECT used_at FROM enrollment_keys WHERE key_sha256 = ?').get(hash) as
        { used_at: string | null } | undefined;
      if (key === undefined) return { kind: 'unknown_key' };
      if (key.used_at !== null) return { kind: 'key_used' };
      const credentials: EnrollResponse = {
        agentId: randomId('ag'),
        clientId: randomId('cl'),
        clientSecret: randomSecret(),
        signingSecret: randomSecret(),
      };
      this.#db
        .prepare(
          `INSERT INTO agents (agent_id, client_id, client_secret_sha256, signing_secret, name, hostname, version, enrolled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          credentials.agentId,
          credentials.clientId,
          sha256Hex(credentials.clientSecret),
          credentials.signingSecret,
          request.name,
          request.hostname,
          request.version,
          nowIso,
        );
      this.#db
        .prepare('UPDATE enrollment_keys SET used_at = ?, agent_id = ? WHERE key_sha256 = ?')
        .run(nowIso, credentials.agentId, hash);
      return { kind: 'enrolled', credentials };
    })();
  }

  /** The agent whose client credentials these are, or undefined when they match none. */
  checkClient(clientId: string, clientSecret: string): AgentCredentialsCheck | undefined {
    const row = this.#row('client_id', clientId);
    if (row === undefined || !sameHash(row.client_secret_sha256, sha256Hex(clientSecret))) return undefined;
    return { agentId: row.agent_id, revoked: row.revoked_at !== null };
  }

  issueToken(agentId: string, nowMs: number, ttlSecs: number): string {
    const token = randomSecret();
    this.#db
      .prepare('INSERT INTO tokens (token_sha256, agent_id, expires_at_ms) VALUES (?, ?, ?)')
      .run(sha256Hex(token), agentId, nowMs + ttlSecs * 1000);
    return token;
  }

  findToken(token: string): { agentId: string; expiresAtMs: number; revoked: boolean } | undefined {
    const row = this.#db
      .prepare(
        `SELECT t.agent_id, t.expires_at_ms, a.revoked_at FROM tokens t JOIN agents a USING (agent_id)
         WHERE t.token_sha256 = ?`,
      )
      .get(sha256Hex(token)) as { agent_id: string; expires_at_ms: number; revoked_at: string | null } | undefined;
    if (row === undefined) return undefined;
    return { agentId: row.agent_id, expiresAtMs: row.expires_at_ms, revoked: row.revoked_at !== null };
  }

  /** The signing secrets a signature may use now: the current one, and the previous one during its grace period. */
  signingSecrets(agentId: string, nowMs: number): string[] {
    const row = this.#row('agent_id', agentId);
    if (row === undefined) return [];
    const secrets = [row.signing_secret];
    if (row.previous_signing_secret !== null && (row.previous_valid_until_ms ?? 0) > nowMs) {
      secrets.push(row.previous_signing_secret);
    }
    return secrets;
  }

  /** New client and signing secrets; the old signing secret stays valid for `graceMs`. */
  rotate(agentId: string, nowMs: number, graceMs: number): RotateResponse {
    const rotated: RotateResponse = { clientSecret: randomSecret(), signingSecret: randomSecret() };
    this.#db
      .prepare(
        `UPDATE agents SET previous_signing_secret = signing_secret, previous_valid_until_ms = ?,
           signing_secret = ?, client_secret_sha256 = ? WHERE agent_id = ?`,
      )
      .run(nowMs + graceMs, rotated.signingSecret, sha256Hex(rotated.clientSecret), agentId);
    return rotated;
  }

  revoke(agentId: string, nowIso: string): string | undefined {
    this.#db.prepare('UPDATE agents SET revoked_at = COALESCE(revoked_at, ?) WHERE agent_id = ?').run(nowIso, agentId);
    return this.#row('agent_id', agentId)?.revoked_at ?? undefined;
  }

  touch(agentId: string, version: string, nowIso: string): void {
    this.#db
      .prepare('UPDATE agents SET last_seen_at = ?, version = ? WHERE agent_id = ?')
      .run(nowIso, version, agentId);
  }

  list(): StoredAgent[] {
    const rows = this.#db.prepare('SELECT * FROM agents ORDER BY enrolled_at, agent_id').all() as AgentRow[];
    return rows.map((r) => ({
      agentId: r.agent_id,
      clientId: r.client_id,
      name: r.name,
      hostname: r.hostname,
      version: r.version,
      enrolledAt: r.enrolled_at,
      revokedAt: r.revoked_at,
      lastSeenAt: r.last_seen_at,
    }));
  }

  #row(column: 'agent_id' | 'client_id', value: string): AgentRow | undefined {
    return this.#db.prepare(`SELECT * FROM agents WHERE ${column} = ?`).get(value) as AgentRow | undefined;
  }
}
