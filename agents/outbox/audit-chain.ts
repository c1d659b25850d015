/**
 * The audit chain's arithmetic, pure: how an entry's hash and MAC are made, and how a whole chain is
 * checked. Each entry's hash covers its content and the hash of the entry before, so editing,
 * reordering or deleting an entry breaks a link; the MAC (under a key only the keychain holds) means
 * that someone who can write the SQLite file cannot simply recompute the chain after an edit.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../api/canonical-json.ts';
import type { AuditEntry } from '../api/audit.ts';

export const GENESIS_HASH = `sha256:${'0'.repeat(64)}`;

export type ChainContent = Omit<AuditEntry, 'hash' | 'mac'>;

export function entryHash(content: ChainContent): string {
  const text = canonicalJson({
    seq: content.seq,
    at: content.at,
    actor: content.actor,
    event: content.event,
    subject: content.subject,
    details: content.details,
    prevHash: content.prevHash,
  });
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export function entryMac(key: Buffer, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}

export type AuditProblem = 'key_missing' | 'deleted' | 'reordered' | 'replaced' | 'edited' | 'mac_missing' | 'mac_wrong' | 'head_unknown';

export type AuditVerdict =
  | { ok: true; entries: number; head: string | null; acknowledgedHead: string | null }
  | { ok: false; seq: number | null; problem: AuditProblem; message: string };

/**
 * Checks a chain read in seq order. `key` null means the keychain has no audit key; `acknowledgedHead`
 * is the newest head the cloud confirmed: the chain must still contain it, or it was cut or rewritten.
 * Returns the first problem found, walking from the oldest entry.
 */
export function verifyChain(entries: readonly AuditEntry[], key: Buffer | null, acknowledgedHead: string | null): AuditVerdict {
  if (entries.length > 0 && key === null) {
    return {
      ok: false,
      seq: entries[0]!.seq,
      problem: 'key_missing',
      message: `The audit log has ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, but its key (audit/mac-key) is not in the keychain, so none can be proven authentic.`,
    };
  }
  const seqOfHash = new Map(entries.map((e) => [e.hash, e.seq]));
  let previousHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const entry of entries) {
    const fail = (problem: AuditProblem, message: string): AuditVerdict => ({ ok: false, seq: entry.seq, problem, message });
    if (entry.seq !== expectedSeq) {
      const missing = entry.seq - 1 === expectedSeq ? `${expectedSeq}` : `${expectedSeq}–${entry.seq - 1}`;
      return fail('deleted', `Entry ${missing} ${missing.includes('–') ? 'are' : 'is'} missing: the chain jumps to seq ${entry.seq} (entries were deleted).`);
    }
    if (entry.prevHash !== previousHash) {
      const claimed = seqOfHash.get(entry.prevHash);
      if (claimed !== undefined) {
        return fail('reordered', `Entry ${entry.seq} was written after the entry now at seq ${claimed}, not after seq ${entry.seq - 1}: entries were reordered.`);
      }
      return fail('replaced', `Entry ${entry.seq} does not follow entry ${entry.seq - 1}: the entry before it was replaced, or entries before it were deleted.`);
    }
    if (entryHash(entry) !== entry.hash) {
      return fail('edited', `Entry ${entry.seq} (${entry.event}) was edited after it was written: its content no longer matches its hash.`);
    }
    if (entry.mac === null) {
      return fail('mac_missing', `Entry ${entry.seq} (${entry.event}) has no MAC: it was written while the audit key was unavailable, so it cannot be proven authentic.`);
    }
    if (!macMatches(entryMac(key!, entry.hash), entry.mac)) {
      return fail('mac_wrong', `Entry ${entry.seq} (${entry.event}) has a wrong MAC: it was rewritten without the audit key, or the keychain holds a different key than the one it was written with.`);
    }
    previousHash = entry.hash;
    expectedSeq++;
  }
  if (acknowledgedHead !== null && !seqOfHash.has(acknowledgedHead)) {
    return {
      ok: false,
      seq: null,
      problem: 'head_unknown',
      message: `The cloud acknowledged the audit head ${acknowledgedHead}, which this chain no longer contains: the chain was cut or rewritten after that head was reported.`,
    };
  }
  return { ok: true, entries: entries.length, head: entries.at(-1)?.hash ?? null, acknowledgedHead };
}

function macMatches(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
