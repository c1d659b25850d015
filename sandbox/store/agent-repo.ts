import type Database from 'better-sqlite3';
import type { EnrollRequest, RotateResponse } from '../../agents/api/cloud.ts';
import type { StoredAgent } from '../admin-schemas.ts';
import { randomId, randomSecret, sameHash, seal, sha256Hex, unseal } from './secrets.ts';

interface AgentRow {
  agent_id: string;
  client_id: string;
  client_secret_sha256: string;
  previous_client_secret_sha256: string | null;
  signing_secret: string;
  previous_signing_secret: string | null;
  previous_valid_until_ms: number | null;
  entities_json: string;
  name: string;
  hostname: string;
  version: string;
  enrolled_at: string;
  revoked_at: string | null;
  deleted_at: string | null;
  last_seen_at: string | null;
  audit_head: string | null;
}

interface KeyRow {
  entities_json: string;
  used_at: string | null;
  used_at_ms: number | null;
  hostname: string | null;
  answer_enc: Buffer | null;
}

/** What enrollment hands the agent, before the cloud adds its key and the entities' floors. */
export interface AgentCredentials {
  agentId: string;
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  entities: string[];
}

export interface AgentCredentialsCheck {
  agentId: string;
  revoked: boolean;
}

export type EnrollOutcome =
  { kind: 'enrolled' | 'retried'; credentials: AgentCredentials } | { kind: 'unknown_key' } | { kind: 'key_used' };

/** How long a second use of an enrollment key from the same host gets the first answer again (cloud-api.md). */
export const ENROLL_RETRY_WINDOW_MS = 10 * 60 * 1000;
const ENROLL_PURPOSE = 'enroll';

/**
 * Enrollment keys, agents, their secrets and bearer tokens. Only hashes of keys, client secrets and
 * tokens are kept; answers a retry must get again are sealed under the value the retry presents.
 */
export class AgentRepo {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Idempotent: an existing key keeps its state (a used key stays used, its entities stay). */
  createEnrollmentKey(
    key: string,
    entities: readonly string[],
    nowIso: string,
  ): { created: boolean; used: boolean; entities: string[] } {
    const hash = sha256Hex(key);
    const info = this.#db
      .prepare('INSERT OR IGNORE INTO enrollment_keys (key_sha256, entities_json, created_at) VALUES (?, ?, ?)')
      .run(hash, JSON.stringify(entities), nowIso);
    const row = this.#key(hash)!;
    return {
      created: info.changes === 1,
      used: row.used_at !== null,
      entities: JSON.parse(row.entities_json) as string[],
    };
  }

  /**
   * Uses an enrollment key once. A second use from the same hostname within the retry window gets
   * the same credentials (the first answer may have been lost); any other second use is refused.
   */
  enroll(request: EnrollRequest, nowMs: number, nowIso: string): EnrollOutcome {
    return this.#db.transaction((): EnrollOutcome => {
      const hash = sha256Hex(request.enrollmentKey);
      const key = this.#key(hash);
      if (key === undefined) return { kind: 'unknown_key' };
      if (key.used_at !== null) {
        const inWindow = key.used_at_ms !== null && nowMs - key.used_at_ms <= ENROLL_RETRY_WINDOW_MS;
        if (!inWindow && key.answer_enc !== null) {
          this.#db.prepare('UPDATE enrollment_keys SET answer_enc = NULL WHERE key_sha256 = ?').run(hash);
        }
        if (!inWindow || key.answer_enc === null || key.hostname !== request.hostname) return { kind: 'key_used' };
        const answer = unseal(key.answer_enc, request.enrollmentKey, ENROLL_PURPOSE);
        return answer === undefined
          ? { kind: 'key_used' }
          : { kind: 'retried', credentials: JSON.parse(answer) as AgentCredentials };
      }
      const credentials: AgentCredentials = {
        agentId: randomId('ag'),
        clientId: randomId('cl'),
        clientSecret: randomSecret(),
        signingSecret: randomSecret(),
        entities: JSON.parse(key.entities_json) as string[],
      };
      this.#db
        .prepare(
          `INSERT INTO agents (agent_id, client_id, client_secret_sha256, signing_secret, entities_json, name, hostname,
             version, enrolled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          credentials.agentId,
          credentials.clientId,
          sha256Hex(credentials.clientSecret),
          credentials.signingSecret,
          key.entities_json,
          request.name,
          request.hostname,
          request.version,
          nowIso,
        );
      this.#db
        .prepare(
          `UPDATE enrollment_keys SET used_at = ?, used_at_ms = ?, agent_id = ?, hostname = ?, answer_enc = ?
           WHERE key_sha256 = ?`,
        )
        .run(
          nowIso,
          nowMs,
          credentials.agentId,
          request.hostname,
          seal(JSON.stringify(credentials), request.enrollmentKey, ENROLL_PURPOSE),
          hash,
        );
      return { kind: 'enrolled', credentials };
    })();
  }

  /**
   * The agent whose client credentials these are, or undefined. The previous client secret (after a
   * rotation) works until the new one is first used.
   */
  checkClient(clientId: string, clientSecret: string): AgentCredentialsCheck | undefined {
    const row = this.#row('client_id', clientId);
    if (row === undefined) return undefined;
    const given = sha256Hex(clientSecret);
    if (sameHash(row.client_secret_sha256, given)) {
      if (row.previous_client_secret_sha256 !== null) {
        this.#db.prepare('UPDATE agents SET previous_client_secret_sha256 = NULL WHERE agent_id = ?').run(row.agent_id);
      }
    } else if (row.previous_client_secret_sha256 === null || !sameHash(row.previous_client_secret_sha256, given)) {
      return undefined;
    }
    return { agentId: row.agent_id, revoked: row.revoked_at !== null };
  }

  issueToken(agentId: string, nowMs: number, ttlSecs: number): string {
    const token = randomSecret();
    this.#db
      .prepare('INSERT INTO tokens (token_sha256, agent_id, expires_at_ms) VALUES (?, ?, ?)')
      .run(sha256Hex(token), agentId, nowMs + ttlSecs * 1000);
    return token;
  }

  findToken(token: string): { agentId: string; expiresAtMs: number; revoked: boolean; deleted: boolean } | undefined {
    const row = this.#db
      .prepare(
        `SELECT t.agent_id, t.expires_at_ms, a.revoked_at, a.deleted_at FROM tokens t JOIN agents a USING (agent_id)
         WHERE t.token_sha256 = ?`,
      )
      .get(sha256Hex(token)) as
      { agent_id: string; expires_at_ms: number; revoked_at: string | null; deleted_at: string | null } | undefined;
    if (row === undefined) return undefined;
    return {
      agentId: row.agent_id,
      expiresAtMs: row.expires_at_ms,
      revoked: row.revoked_at !== null,
      deleted: row.deleted_at !== null,
    };
  }

  /** The entities the agent may send for (from its enrollment key). */
  entities(agentId: string): string[] {
    const row = this.#row('agent_id', agentId);
    return row === undefined ? [] : (JSON.parse(row.entities_json) as string[]);
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

  /**
   * New client and signing secrets, idempotent by `idempotencyKey`: the same key returns the same
   * secrets (an agent that crashed before storing them asks again). The old signing secret stays
   * valid for `graceMs`, the old client secret until the new one is first used.
   */
  rotate(agentId: string, idempotencyKey: string, nowMs: number, graceMs: number, nowIso: string): RotateResponse {
    return this.#db.transaction((): RotateResponse => {
      const keyHash = sha256Hex(idempotencyKey);
      const purpose = `rotate ${agentId}`;
      const prior = this.#db
        .prepare('SELECT answer_enc FROM rotations WHERE agent_id = ? AND key_sha256 = ?')
        .get(agentId, keyHash) as { answer_enc: Buffer } | undefined;
      const replayed = prior === undefined ? undefined : unseal(prior.answer_enc, idempotencyKey, purpose);
      if (replayed !== undefined) return JSON.parse(replayed) as RotateResponse;
      const rotated: RotateResponse = { clientSecret: randomSecret(), signingSecret: randomSecret() };
      this.#db
        .prepare(
          `UPDATE agents SET previous_signing_secret = signing_secret, previous_valid_until_ms = ?,
             signing_secret = ?, previous_client_secret_sha256 = client_secret_sha256, client_secret_sha256 = ?
           WHERE agent_id = ?`,
        )
        .run(nowMs + graceMs, rotated.signingSecret, sha256Hex(rotated.clientSecret), agentId);
      this.#db
        .prepare('INSERT INTO rotations (agent_id, key_sha256, answer_enc, rotated_at) VALUES (?, ?, ?, ?)')
        .run(agentId, keyHash, seal(JSON.stringify(rotated), idempotencyKey, purpose), nowIso);
      return rotated;
    })();
  }

  revoke(agentId: string, nowIso: string): string | undefined {
    this.#db.prepare('UPDATE agents SET revoked_at = COALESCE(revoked_at, ?) WHERE agent_id = ?').run(nowIso, agentId);
    return this.#row('agent_id', agentId)?.revoked_at ?? undefined;
  }

  /** Unregisters an agent (`DELETE /v1/agents/{id}`): its credentials stop working for good. */
  unregister(agentId: string, nowIso: string): void {
    this.#db
      .prepare(
        'UPDATE agents SET deleted_at = COALESCE(deleted_at, ?), revoked_at = COALESCE(revoked_at, ?) WHERE agent_id = ?',
      )
      .run(nowIso, nowIso, agentId);
  }

  /** Keeps the newest audit-chain head an agent reported and returns the one stored. */
  recordAuditHead(agentId: string, head: string | null): string | null {
    if (head !== null) this.#db.prepare('UPDATE agents SET audit_head = ? WHERE agent_id = ?').run(head, agentId);
    return this.#row('agent_id', agentId)?.audit_head ?? null;
  }

  touch(agentId: string, version: string, nowIso: string): void {
    this.#db
      .prepare('UPDATE agents SET last_seen_at = ?, version = ? WHERE agent_id = ?')
      .run(nowIso, version, agentId);
  }

  exists(agentId: string): boolean {
    return this.#row('agent_id', agentId) !== undefined;
  }

  list(): StoredAgent[] {
    const rows = this.#db.prepare('SELECT * FROM agents ORDER BY enrolled_at, agent_id').all() as AgentRow[];
    return rows.map((r) => ({
      agentId: r.agent_id,
      clientId: r.client_id,
      name: r.name,
      hostname: r.hostname,
      version: r.version,
      entities: JSON.parse(r.entities_json) as string[],
      enrolledAt: r.enrolled_at,
      revokedAt: r.revoked_at,
      deletedAt: r.deleted_at,
      lastSeenAt: r.last_seen_at,
      auditHead: r.audit_head,
    }));
  }

  #key(hash: string): KeyRow | undefined {
    return this.#db
      .prepare(
        'SELECT entities_json, used_at, used_at_ms, hostname, answer_enc FROM enrollment_keys WHERE key_sha256 = ?',
      )
      .get(hash) as KeyRow | undefined;
  }

  #row(column: 'agent_id' | 'client_id', value: string): AgentRow | undefined {
    return this.#db.prepare(`SELECT * FROM agents WHERE ${column} = ?`).get(value) as AgentRow | undefined;
  }
}
