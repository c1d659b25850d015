/**
 * The tamper-evident audit log (issue 12 item 6; docs/audit-log.md): security-relevant events
 * appended to a hash chain in the outbox, each sealed with an HMAC under a key that lives only in
 * the keychain (`audit/mac-key`, made on first use, never written anywhere else and not among the
 * refs a revoke wipes). Appending is synchronous, so an entry is durable the moment the event
 * happens and the chain's order is the events' order; the MAC is added as soon as the key is read
 * (at once when it already was).
 */
import { randomBytes } from 'node:crypto';
import { canonicalJson } from '../api/canonical-json.ts';
import { AuditDetailsSchema, type AuditDetails, type AuditEntry, type AuditEvent } from '../api/audit.ts';
import { AgentError, describeError } from '../pipeline/errors.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import { currentActor } from './audit-actor.ts';
import { entryHash, entryMac, GENESIS_HASH, verifyChain, type AuditVerdict } from './audit-chain.ts';
import type { SqliteDatabase } from './open-database.ts';
import { preparedOnce } from './prepared-once.ts';

/** The keychain entry of the MAC key; deliberately not in SecretRefs, whose entries a revoke wipes. */
export const AUDIT_KEY_REF = 'audit/mac-key';
/**
 * Refuses to let a credential route or command touch the audit key: replacing it would make every
 * entry look forged, and reading or setting it is no one's job but the audit log's.
 */
export function assertNotAuditKey(ref: string): void {
  if (ref === AUDIT_KEY_REF || ref.startsWith('audit/')) {
    throw new AgentError('secret_ref_reserved', `"${ref}" is the audit log's own key: it cannot be set or removed by hand.`, {
      hint: 'Store the credential under another name, such as sources/<source>/password.',
    });
  }
}

/** agent_state key: the newest head the cloud acknowledged (`auditHeadAck`). */
export const AUDIT_HEAD_ACK_KEY = 'audit.headAck';
export const AUDIT_KEY_MISSING_ALERT = 'audit_key_missing';
export const AUDIT_CHAIN_BROKEN_ALERT = 'audit_chain_broken';
const AUDIT_WRITE_FAILED_ALERT = 'audit_write_failed';

export interface AuditEventInput {
  event: AuditEvent;
  /** What it was about: a secret's ref, a source, a file, a command name. */
  subject: string;
  /** Names, counts and codes only: never a secret's value, never record data. */
  details?: AuditDetails;
}

/** What event sites need: record and forget. Never throws; a failure to record becomes an alert. */
export interface AuditRecorder {
  record(input: AuditEventInput): void;
}

export type AuditKeyState = { state: 'ready'; key: Buffer } | { state: 'missing' } | { state: 'unavailable'; message: string };

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  event: AuditEvent;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
  mac: string | null;
}

interface AlertSink {
  raise(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
  clear(code: string): void;
}

interface StateSink {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export class AuditLog implements AuditRecorder {
  readonly #db: SqliteDatabase;
  readonly #nowIso: () => string;
  readonly #alerts: AlertSink;
  readonly #state: StateSink;
  #secrets: SecretStore | undefined;
  #key: Buffer | undefined;
  #keyLoad: Promise<AuditKeyState> | undefined;
  /** Entries of this process still waiting for their MAC: seq → the hash this process computed. */
  readonly #unsealed = new Map<number, string>();
  #sealing: Promise<void> = Promise.resolve();

  constructor(db: SqliteDatabase, deps: { nowIso: () => string; alerts: AlertSink; state: StateSink }) {
    this.#db = db;
    this.#nowIso = deps.nowIso;
    this.#alerts = deps.alerts;
    this.#state = deps.state;
  }

  /** Where the MAC key lives; entries recorded before this stay without a MAC (tests of the outbox alone). */
  attachKeychain(secrets: SecretStore): void {
    this.#secrets = secrets;
  }

  /**
   * Reads the key from the keychain, making it when the log is still empty. Entries without a key
   * (`missing`) raise `audit_key_missing`: a new key then would make every old entry look forged.
   */
  unlock(): Promise<AuditKeyState> {
    if (this.#key !== undefined) return Promise.resolve({ state: 'ready', key: this.#key });
    this.#keyLoad ??= this.#loadKey().then((loaded) => {
      if (loaded.state === 'ready') this.#key = loaded.key;
      // A keychain that failed may work next time; a missing key stays missing for this process.
      if (loaded.state === 'unavailable') this.#keyLoad = undefined;
      return loaded;
    });
    return this.#keyLoad;
  }

  record(input: AuditEventInput): void {
    try {
      const entry = this.append(input, currentActor(), this.#key ?? null);
      if (entry.mac === null && this.#secrets !== undefined) {
        this.#unsealed.set(entry.seq, entry.hash);
        // A seal that fails (the outbox closed first) leaves the entry without a MAC, which verify reports.
        this.#sealing = this.#sealing.then(() => this.#seal()).catch(() => undefined);
      }
    } catch (error) {
      this.#raise(AUDIT_WRITE_FAILED_ALERT, `The audit log could not record "${input.event}" (${input.subject}): ${describeError(error).message}`);
    }
  }

  /** Resolves when every entry recorded so far has its MAC (or cannot get one): before a one-shot command closes the outbox. */
  async settled(): Promise<void> {
    await this.#sealing;
  }

  /** Appends one entry in one immediate transaction, so two processes on one outbox cannot interleave a link. */
  append(input: AuditEventInput, actor: string, key: Buffer | null): AuditEntry {
    const details = AuditDetailsSchema.parse(input.details ?? {});
    return this.#db
      .transaction((): AuditEntry => {
        const last = this.#db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get();
        const content = {
          seq: (last?.seq ?? 0) + 1,
          at: this.#nowIso(),
          actor,
          event: input.event,
          subject: input.subject,
          details,
          prevHash: last?.hash ?? GENESIS_HASH,
        };
        const hash = entryHash(content);
        const mac = key === null ? null : entryMac(key, hash);
        this.#db
          .prepare('INSERT INTO audit_log (seq, at, actor, event, subject, details, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(content.seq, content.at, actor, content.event, content.subject, canonicalJson(details), content.prevHash, hash, mac);
        return { ...content, hash, mac };
      })
      .immediate();
  }

  /** `sha256:…` of the newest entry (what the heartbeat reports), or null before the first. */
  head(): string | null {
    return preparedOnce<[], string>(this.#db, 'SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1', 'pluck').get() ?? null;
  }

  count(): number {
    return this.#db.prepare<[], number>('SELECT COUNT(*) FROM audit_log').pluck().get() ?? 0;
  }

  /** The newest head the cloud said it stored (`auditHeadAck`), or null. */
  acknowledgedHead(): string | null {
    return this.#state.get(AUDIT_HEAD_ACK_KEY) ?? null;
  }

  /**
   * Keeps the cloud's newest acknowledged head. An acknowledged head the chain no longer contains is
   * the evidence of a cut: it is kept, not overwritten by the cut chain's own head coming back.
   */
  acknowledge(head: string | null): void {
    const current = this.acknowledgedHead();
    if (head === null || head === current) return;
    if (current !== null && this.#db.prepare<[string], number>('SELECT 1 FROM audit_log WHERE hash = ?').pluck().get(current) === undefined) return;
    this.#state.set(AUDIT_HEAD_ACK_KEY, head);
  }

  /** Newest first; `since` is an RFC 3339 time (entries at or after it). */
  list(options: { since?: string | undefined; limit: number }): AuditEntry[] {
    const rows =
      options.since === undefined
        ? this.#db.prepare<[number], AuditRow>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(options.limit)
        : this.#db
            .prepare<[string, number], AuditRow>('SELECT * FROM audit_log WHERE at >= ? ORDER BY seq DESC LIMIT ?')
            .all(new Date(options.since).toISOString(), options.limit);
    return rows.map(toEntry);
  }

  /** Checks the whole chain with `key` (null: the keychain has none) against the acknowledged head. */
  verify(key: Buffer | null): AuditVerdict {
    const rows = this.#db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY seq').all();
    return verifyChain(rows.map(toEntry), key, this.acknowledgedHead());
  }

  async #loadKey(): Promise<AuditKeyState> {
    const secrets = this.#secrets;
    if (secrets === undefined) return { state: 'unavailable', message: 'no keychain was attached to the audit log' };
    try {
      const stored = await secrets.get(AUDIT_KEY_REF);
      if (stored !== undefined) {
        this.#alerts.clear(AUDIT_KEY_MISSING_ALERT);
        return { state: 'ready', key: Buffer.from(stored, 'base64') };
      }
      const entries = this.count();
      const unsealedOnly = entries === this.#unsealed.size;
      // First use: nothing older than this process's own entries depends on a key yet.
      if (unsealedOnly) {
        const key = randomBytes(32);
        await secrets.set(AUDIT_KEY_REF, key.toString('base64'));
        return { state: 'ready', key };
      }
      this.#raise(
        AUDIT_KEY_MISSING_ALERT,
        `The audit log has ${entries} entr${entries === 1 ? 'y' : 'ies'}, but its key (${AUDIT_KEY_REF}) is gone from the keychain: they can no longer be proven untampered, and new entries are written without a MAC. ` +
          'Restore the keychain from its backup if there is one; otherwise keep a copy of the outbox file for the record and tell your security contact.',
        'critical',
      );
      return { state: 'missing' };
    } catch (error) {
      return { state: 'unavailable', message: describeError(error).message };
    }
  }

  async #seal(): Promise<void> {
    if (this.#unsealed.size === 0) return;
    const loaded = await this.unlock();
    if (loaded.state !== 'ready') {
      if (loaded.state === 'unavailable') this.#raise(AUDIT_WRITE_FAILED_ALERT, `Audit entries were written without their MAC: the keychain could not be read (${loaded.message}).`);
      this.#unsealed.clear();
      return;
    }
    const seal = this.#db.prepare<[string, number, string]>('UPDATE audit_log SET mac = ? WHERE seq = ? AND hash = ? AND mac IS NULL');
    for (const [seq, hash] of this.#unsealed) seal.run(entryMac(loaded.key, hash), seq, hash);
    this.#unsealed.clear();
  }

  #raise(code: string, message: string, severity: 'warning' | 'critical' = 'warning'): void {
    try {
      this.#alerts.raise({ code, severity, message });
    } catch {
      // The outbox itself is failing: its own alerts say so.
    }
  }
}

/** A dead-letter selection as an audit subject: `all`, or the first ids (the count is in the details). */
export function idsSubject(ids: number[] | 'all'): string {
  if (ids === 'all') return 'all';
  return ids.length <= 20 ? ids.join(',') : `${ids.slice(0, 20).join(',')},…`;
}

function toEntry(row: AuditRow): AuditEntry {
  let details: AuditDetails;
  try {
    details = AuditDetailsSchema.parse(JSON.parse(row.details));
  } catch {
    // Not JSON any more: shown as it is, and the hash check reports the entry as edited.
    details = { unreadable: row.details };
  }
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    event: row.event,
    subject: row.subject,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
    mac: row.mac,
  };
}
