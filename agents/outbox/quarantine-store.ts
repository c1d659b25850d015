/**
 * The quarantine table (issue 13 item 5): records stopped by their mapping or validation, written by
 * the enqueue transaction that advanced their source's checkpoint (record-writer.ts), so the source is
 * never stuck and nothing is lost. Each keeps the seq it got at capture; a replay queues it with that
 * seq, unless a newer change of the key was captured since (then it is superseded and never sent).
 */
import type { JsonObject, Lane, QuarantineEntry, QuarantineFilter, QuarantineReason, QuarantineStage, QuarantineStatus, RecordKey, RecordOp, SourceRecord } from '../api/index.ts';
import { QuarantineFilterSchema } from '../api/index.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import type { KeyMemory } from './key-memory.ts';
import type { SqliteDatabase } from './open-database.ts';

/** Why the capture pipeline stopped a record; given to enqueue beside the record. */
export interface QuarantineMark {
  stage: QuarantineStage;
  reasons: QuarantineReason[];
}

interface QuarantineRow {
  id: number;
  source: string;
  stream: string;
  lane: Lane;
  key_canonical: string;
  op: RecordOp;
  grp: string | null;
  seq: number;
  captured_at: string;
  data: string | null;
  original_data: string | null;
  stage: QuarantineStage;
  hold: number;
  reasons: string;
  state: 'open' | 'replayed' | 'discarded' | 'superseded';
  quarantined_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  time_zone: string | null;
  file_sha256: string | null;
  latest_seq: number | null;
}

/** A quarantined record as replay needs it: the record to map again, and where it came from. */
export interface QuarantinedRecord {
  id: number;
  source: string;
  stream: string;
  lane: Lane;
  record: SourceRecord;
  seq: number;
  timeZone: string | undefined;
  /** The file it was read from, carried to the queue on replay (file-records.ts). */
  fileSha256: string | undefined;
}

/** One replayed record's fate: queued (mapped), failed again (new reasons). */
export type ReplayOutcome =
  | { id: number; pass: true; record: SourceRecord; schemaVersion: number }
  | { id: number; pass: false; mark: QuarantineMark };

/** Writes a replayed record into `records` with its original seq; false when a newer change exists. */
export type ReplayAdmit = (entry: QuarantinedRecord, mapped: SourceRecord, schemaVersion: number) => boolean;

const SELECT = `SELECT q.*, k.seq AS latest_seq FROM quarantine q
  LEFT JOIN key_memory k ON k.source = q.source AND k.stream = q.stream AND k.key_canonical = q.key_canonical`;

export function isHold(mark: QuarantineMark): boolean {
  return mark.reasons.some((r) => r.severity === 'hold') && !mark.reasons.some((r) => r.severity === 'reject');
}

export class QuarantineStore {
  readonly #db: SqliteDatabase;
  readonly #keys: KeyMemory;
  readonly #now: () => number;
  readonly #admit: ReplayAdmit;
  readonly #insert;

  /** `admit` is the record writer's (record-writer.ts admitReplayed), late-bound: each needs the other. */
  readonly #openAt;
  constructor(db: SqliteDatabase, keys: KeyMemory, now: () => number, admit: ReplayAdmit) {
    this.#db = db;
    this.#admit = admit;
    this.#keys = keys;
    this.#now = now;
    this.#insert = db.prepare<[string, string, Lane, string, RecordOp, string | null, number, string, string | null, string, number, string, string, string | null, string | null]>(
      `INSERT INTO quarantine (source, stream, lane, key_canonical, op, grp, seq, captured_at, data, stage, hold, reasons,
                               quarantined_at, time_zone, file_sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Asked inside enqueue transactions for every unchanged grouped row re-read: prepared once.
    this.#openAt = db.prepare<[string, string, string, number], { id: number }>(
      "SELECT id FROM quarantine WHERE source = ? AND stream = ? AND key_canonical = ? AND seq = ? AND state = 'open'",
    );
  }

  /** Called by the enqueue transaction for a record its stream's pipeline stopped. */
  insertWithin(input: { source: string; stream: string; lane: Lane; timeZone?: string | undefined; fileSha256?: string | undefined }, row: { keyJson: string; op: RecordOp; group: string | null; dataJson: string | null; capturedAt: string }, seq: number, mark: QuarantineMark): void {
    this.#insert.run(
      input.source, input.stream, input.lane, row.keyJson, row.op, row.group, seq, row.capturedAt, row.dataJson,
      mark.stage, isHold(mark) ? 1 : 0, JSON.stringify(mark.reasons), new Date(this.#now()).toISOString(), input.timeZone ?? null,
      input.fileSha256 ?? null,
    );
  }

  list(filter: QuarantineFilter = {}): QuarantineEntry[] {
    const f = QuarantineFilterSchema.parse(filter);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.source !== undefined) { where.push('q.source = ?'); args.push(f.source); }
    if (f.stream !== undefined) { where.push('q.stream = ?'); args.push(f.stream); }
    const open = "q.state = 'open'";
    const newer = '(k.seq IS NOT NULL AND k.seq > q.seq)';
    const byStatus: Record<typeof f.status, string | null> = {
      all: null,
      waiting: open,
      quarantined: `${open} AND q.hold = 0 AND NOT ${newer}`,
      held: `${open} AND q.hold = 1 AND NOT ${newer}`,
      superseded: `(q.state = 'superseded' OR (${open} AND ${newer}))`,
      replayed: "q.state = 'replayed'",
      discarded: "q.state = 'discarded'",
    };
    const status = byStatus[f.status];
    if (status !== null) where.push(status);
    const sql = `${SELECT} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY q.id DESC LIMIT ?`;
    return this.#db.prepare<(string | number)[], QuarantineRow>(sql).all(...args, f.limit).map(toEntry);
  }

  get(id: number): QuarantineEntry | undefined {
    const row = this.#db.prepare<[number], QuarantineRow>(`${SELECT} WHERE q.id = ?`).get(id);
    return row === undefined ? undefined : toEntry(row);
  }

  /** Open entries per stream (quarantined and held, superseded left out): status and the dashboard. */
  openCounts(): Array<{ source: string; stream: string; quarantined: number; held: number }> {
    return this.#db
      .prepare<[], { source: string; stream: string; quarantined: number; held: number }>(
        `SELECT q.source, q.stream, SUM(q.hold = 0) AS quarantined, SUM(q.hold = 1) AS held FROM quarantine q
         LEFT JOIN key_memory k ON k.source = q.source AND k.stream = q.stream AND k.key_canonical = q.key_canonical
         WHERE q.state = 'open' AND NOT (k.seq IS NOT NULL AND k.seq > q.seq)
         GROUP BY q.source, q.stream ORDER BY q.source, q.stream`,
      )
      .all();
  }

  /**
   * A person corrects the record as read (the mapping then runs on the corrected data at replay).
   * The first version read is kept beside it. Returns false when the entry is not open.
   */
  edit(id: number, data: JsonObject, actor: string): boolean {
    return (
      this.#db
        .prepare<[string, string, number]>(
          `UPDATE quarantine SET original_data = COALESCE(original_data, data), data = ?, resolved_by = ?
           WHERE id = ? AND state = 'open' AND op = 'upsert'`,
        )
        .run(canonicalJson(data), actor, id).changes > 0
    );
  }

  discard(ids: readonly number[] | 'all', actor: string, scope: { source?: string; stream?: string } = {}): number {
    const at = new Date(this.#now()).toISOString();
    return this.#db.transaction(() => {
      let changed = 0;
      for (const entry of this.#open(ids, scope)) {
        changed += this.#db
          .prepare<[string, string, number]>("UPDATE quarantine SET state = 'discarded', resolved_at = ?, resolved_by = ? WHERE id = ? AND state = 'open'")
          .run(at, actor, entry.id).changes;
      }
      return changed;
    })();
  }

  /**
   * The open entries a replay of `ids` takes: a record of a group brings every open member of its
   * group, so a journal entry is mapped, validated and sent whole.
   */
  replayCandidates(ids: readonly number[] | 'all', scope: { source?: string; stream?: string } = {}): QuarantinedRecord[] {
    const chosen = this.#open(ids, scope);
    const seen = new Set(chosen.map((row) => row.id));
    for (const row of [...chosen]) {
      if (row.grp === null) continue;
      const members = this.#db
        .prepare<[string, string, string], QuarantineRow>(`${SELECT} WHERE q.source = ? AND q.stream = ? AND q.grp = ? AND q.state = 'open'`)
        .all(row.source, row.stream, row.grp);
      for (const member of members) if (!seen.has(member.id)) { seen.add(member.id); chosen.push(member); }
    }
    return chosen.sort((a, b) => a.id - b.id).map(toQuarantined);
  }

  /**
   * Settles a replay in one transaction: a record whose key has a newer change is superseded; one that
   * passed is queued by `admit` with its original seq; one that failed again gets its new reasons. A
   * group settles whole: if one member fails, none is queued.
   */
  settleReplay(entries: readonly QuarantinedRecord[], outcomes: readonly ReplayOutcome[], actor: string): { replayed: number; superseded: number; stillFailing: number } {
    const byId = new Map(entries.map((e) => [e.id, e]));
    const at = new Date(this.#now()).toISOString();
    const failedGroups = new Set(
      outcomes.filter((o) => !o.pass).map((o) => byId.get(o.id)).filter((e) => e?.record.group !== undefined).map((e) => `${e!.source}\u0000${e!.stream}\u0000${e!.record.group!}`),
    );
    const result = { replayed: 0, superseded: 0, stillFailing: 0 };
    this.#db.transaction(() => {
      for (const outcome of outcomes) {
        const entry = byId.get(outcome.id);
        if (entry === undefined) continue;
        const keyJson = canonicalJson(entry.record.key);
        const latest = this.#keys.latestSeq(entry.source, entry.stream, keyJson);
        if (latest !== undefined && latest > entry.seq) {
          this.#resolve(entry.id, 'superseded', at, actor);
          result.superseded += 1;
          continue;
        }
        const groupFailed = entry.record.group !== undefined && failedGroups.has(`${entry.source}\u0000${entry.stream}\u0000${entry.record.group}`);
        if (!outcome.pass || groupFailed) {
          const mark: QuarantineMark = outcome.pass
            ? { stage: 'validation', reasons: [{ code: 'group_member_failed', path: '', message: `Another record of group ${entry.record.group} failed again, and a group is sent whole.`, severity: 'reject' }] }
            : outcome.mark;
          this.#db
            .prepare<[string, string, number, number]>('UPDATE quarantine SET stage = ?, reasons = ?, hold = ? WHERE id = ?')
            .run(mark.stage, JSON.stringify(mark.reasons), isHold(mark) ? 1 : 0, entry.id);
          result.stillFailing += 1;
          continue;
        }
        if (this.#admit(entry, outcome.record, outcome.schemaVersion)) {
          this.#resolve(entry.id, 'replayed', at, actor);
          result.replayed += 1;
        } else {
          this.#resolve(entry.id, 'superseded', at, actor);
          result.superseded += 1;
        }
      }
    }).immediate();
    return result;
  }

  /** The open entry of this key captured at `seq` (its key's newest version), if any. */
  openIdAt(source: string, stream: string, keyJson: string, seq: number): number | undefined {
    return this.#openAt.get(source, stream, keyJson, seq)?.id;
  }

  /** Within the enqueue transaction: the record, read again unchanged with its entry, passed and was queued. */
  resolvePassedOnReread(id: number): void {
    this.#resolve(id, 'replayed', new Date(this.#now()).toISOString(), 'agent (its entry passed when read again)');
  }

  #resolve(id: number, state: 'replayed' | 'superseded', at: string, actor: string): void {
    this.#db.prepare<[string, string, string, number]>('UPDATE quarantine SET state = ?, resolved_at = ?, resolved_by = ? WHERE id = ?').run(state, at, actor, id);
  }

  #open(ids: readonly number[] | 'all', scope: { source?: string; stream?: string }): QuarantineRow[] {
    const where = ["q.state = 'open'"];
    const args: (string | number)[] = [];
    if (scope.source !== undefined) { where.push('q.source = ?'); args.push(scope.source); }
    if (scope.stream !== undefined) { where.push('q.stream = ?'); args.push(scope.stream); }
    if (ids !== 'all') { where.push('q.id IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify(ids)); }
    return this.#db.prepare<(string | number)[], QuarantineRow>(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY q.id`).all(...args);
  }
}

function statusOf(row: QuarantineRow): QuarantineStatus {
  if (row.state === 'replayed' || row.state === 'discarded' || row.state === 'superseded') return row.state;
  if (row.latest_seq !== null && row.latest_seq > row.seq) return 'superseded';
  return row.hold === 1 ? 'held' : 'quarantined';
}

function toEntry(row: QuarantineRow): QuarantineEntry {
  const entry: QuarantineEntry = {
    id: row.id,
    source: row.source,
    stream: row.stream,
    key: JSON.parse(row.key_canonical) as RecordKey,
    op: row.op,
    seq: row.seq,
    capturedAt: row.captured_at,
    stage: row.stage,
    reasons: JSON.parse(row.reasons) as QuarantineReason[],
    status: statusOf(row),
    quarantinedAt: row.quarantined_at,
  };
  if (row.grp !== null) entry.group = row.grp;
  if (row.data !== null) entry.data = JSON.parse(row.data) as JsonObject;
  if (row.original_data !== null) entry.originalData = JSON.parse(row.original_data) as JsonObject;
  if (row.resolved_at !== null) entry.resolvedAt = row.resolved_at;
  if (row.resolved_by !== null) entry.resolvedBy = row.resolved_by;
  return entry;
}

function toQuarantined(row: QuarantineRow): QuarantinedRecord {
  const record: SourceRecord = { stream: row.stream, key: JSON.parse(row.key_canonical) as RecordKey, op: row.op, capturedAt: row.captured_at };
  if (row.data !== null) record.data = JSON.parse(row.data) as JsonObject;
  if (row.grp !== null) record.group = row.grp;
  return { id: row.id, source: row.source, stream: row.stream, lane: row.lane, record, seq: row.seq, timeZone: row.time_zone ?? undefined, fileSha256: row.file_sha256 ?? undefined };
}
