/**
 * The cloud's per-record rules for a batch (cloud-api.md § Batches), as a pure function over what
 * the store holds, so the order of the rules and the group semantics live in one readable place.
 */
import type { BatchRecord } from '../agents/api/cloud.ts';

export type RecordOutcome =
  { kind: 'accepted' | 'unchanged' | 'stale' | 'duplicate' } | { kind: 'rejected'; code: string; message: string };

/** What the store holds for one key of the batch's stream. */
export interface HeldState {
  /** The version held under this seq, or undefined when the seq was never held. */
  versionAt(keyJson: string, seq: number): string | undefined;
  /** The key's latest seq and version, or undefined for a new key. */
  latest(keyJson: string): { seq: number; version: string } | undefined;
}

export interface RuleOptions {
  /** The highest seq the cloud takes: its clock plus 24 hours, as unix ms × 1000. */
  maxSeq: number;
  /** A refusal that does not depend on seq (reject rules, JSON numbers in data), or null. */
  refuse: (record: BatchRecord) => { code: string; message: string } | null;
}

/** A seq more than this far ahead of the cloud's clock is refused (`seq_in_future`). */
export const SEQ_FUTURE_LIMIT_MS = 24 * 60 * 60 * 1000;

/**
 * The outcome of every record, in order: seen seq and same version → duplicate; seen seq and another
 * version → seq_conflict; seq too far ahead → seq_in_future; refusal rules; seq below the key's
 * latest → stale; same version as the latest → unchanged (the latest seq moves up); otherwise
 * accepted. Records earlier in the batch count as held for later ones. When one member of a group is
 * refused, the whole group is: its other members are rejected `group_rejected` and have no effect,
 * so the batch is evaluated again without them until no further group falls.
 */
export function evaluateRecords(
  records: readonly BatchRecord[],
  keyJsons: readonly string[],
  held: HeldState,
  options: RuleOptions,
): RecordOutcome[] {
  const refusedGroups = new Set<string>();
  for (;;) {
    const outcomes = evaluateOnce(records, keyJsons, held, options, refusedGroups);
    let grew = false;
    records.forEach((record, i) => {
      const outcome = outcomes[i]!;
      if (record.group !== undefined && outcome.kind === 'rejected' && !refusedGroups.has(record.group)) {
        refusedGroups.add(record.group);
        grew = true;
      }
    });
    if (!grew) return outcomes;
  }
}

function evaluateOnce(
  records: readonly BatchRecord[],
  keyJsons: readonly string[],
  held: HeldState,
  options: RuleOptions,
  refusedGroups: ReadonlySet<string>,
): RecordOutcome[] {
  // What this batch has added so far, over what the store held before it.
  const seen = new Map<string, string>();
  const latest = new Map<string, { seq: number; version: string }>();
  const refusals = new Map<string, { code: string; message: string }>();
  records.forEach((record, i) => {
    if (record.group === undefined || !refusedGroups.has(record.group)) return;
    const own = ownRefusal(record, keyJsons[i]!, held, options, seen);
    if (own !== null) refusals.set(record.group, own);
  });

  return records.map((record, i): RecordOutcome => {
    const keyJson = keyJsons[i]!;
    if (record.group !== undefined && refusedGroups.has(record.group)) {
      const own = ownRefusal(record, keyJson, held, options, seen);
      return own !== null
        ? { kind: 'rejected', ...own }
        : {
            kind: 'rejected',
            code: 'group_rejected',
            message: `Another record of group ${record.group} was refused${refusals.has(record.group) ? ` (${refusals.get(record.group)!.code})` : ''}; the group applies only whole.`,
          };
    }
    const seenKey = `${keyJson}\u0000${record.seq}`;
    const heldVersion = seen.get(seenKey) ?? held.versionAt(keyJson, record.seq);
    if (heldVersion !== undefined) {
      return heldVersion === record.version
        ? { kind: 'duplicate' }
        : {
            kind: 'rejected',
            code: 'seq_conflict',
            message: `seq ${record.seq} of this key is already held with another version; give the change a new seq.`,
          };
    }
    const refusal = ownRefusal(record, keyJson, held, options, seen);
    if (refusal !== null) return { kind: 'rejected', ...refusal };
    seen.set(seenKey, record.version);
    const current = latest.get(keyJson) ?? held.latest(keyJson);
    if (current !== undefined && record.seq < current.seq) return { kind: 'stale' };
    if (current !== undefined && record.version === current.version) {
      latest.set(keyJson, { seq: record.seq, version: record.version });
      return { kind: 'unchanged' };
    }
    latest.set(keyJson, { seq: record.seq, version: record.version });
    return { kind: 'accepted' };
  });
}

/** Refusals that concern the record alone (not what is held): the future limit and the refusal rules. */
function ownRefusal(
  record: BatchRecord,
  keyJson: string,
  held: HeldState,
  options: RuleOptions,
  seen: ReadonlyMap<string, string>,
): { code: string; message: string } | null {
  const heldVersion = seen.get(`${keyJson}\u0000${record.seq}`) ?? held.versionAt(keyJson, record.seq);
  if (heldVersion !== undefined && heldVersion !== record.version) {
    return { code: 'seq_conflict', message: `seq ${record.seq} of this key is already held with another version.` };
  }
  if (heldVersion !== undefined) return null;
  if (record.seq > options.maxSeq) {
    return {
      code: 'seq_in_future',
      message: `seq ${record.seq} is more than 24 hours ahead of the cloud's clock (at most ${options.maxSeq}); reset the agent's clock to the floor and renumber.`,
    };
  }
  return options.refuse(record);
}
