/**
 * The link from each record to the file it was read from (outbox migration 11), followed through every
 * place a record can be: queued, delivered, dead-lettered, replayed, discarded, quarantined, replayed
 * from quarantine. The SFTP exchange moves a bank's file only when this says everything arrived.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantineReason } from '../api/index.ts';
import { ManualClock, makeRecords, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';
import type { Outbox } from './outbox.ts';
import type { QuarantineMark } from './quarantine-store.ts';

const REJECT: QuarantineReason = { code: 'format', path: 'total', value: 'x', message: 'total is not money', severity: 'reject' };
const MARK: QuarantineMark = { stage: 'validation', reasons: [REJECT] };
const BIG = { lane: 'bulk' as const, maxRecords: 1_000, maxBytes: 10_000_000 };

let tmp: TempDir;
let outbox: Outbox;

beforeEach(() => {
  tmp = makeTempDir();
  outbox = openTestOutbox(tmp.path('outbox.db'), new ManualClock());
});
afterEach(() => {
  outbox.close();
  tmp.remove();
});

/** A file stored as the folder source stores it, and its SHA-256. */
function storeFile(name: string): string {
  const content = `statement ${name}\n`;
  const path = tmp.path(name);
  writeFileSync(path, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  outbox.storeFile({ sha256, source: 'bank', name, contentType: 'text/plain', lane: 'bulk', path });
  return sha256;
}

function capture(stream: string, from: number, count: number, fileSha256: string | undefined, quarantine = new Map<number, QuarantineMark>()) {
  outbox.enqueue({ source: fileSha256 === undefined ? 'erp' : 'bank', stream, lane: 'bulk', records: makeRecords(stream, from, count), checkpoint: { next: from + count }, quarantine, fileSha256 });
}

const records = (sha256: string) => outbox.fileInfo(sha256)?.records;

/** Sends every batch; the cloud refuses the `entries` records whose id is in `refuse`. */
function deliverAll(refuse: readonly string[] = []): void {
  for (let batch = outbox.nextBatch(BIG); batch !== null; batch = outbox.nextBatch(BIG)) {
    const rejected = batch.records.flatMap((r, index) =>
      r.stream === 'entries' && refuse.includes(String(r.key.id)) ? [{ index, code: 'unknown_account', message: 'No such account.' }] : [],
    );
    outbox.completeBatch(batch.batchId, { rejected, staleIndexes: [] });
  }
}

describe('where the records of a file stand', () => {
  it('follows them from the queue through delivery, refusal, replay and discard', () => {
    const sha = storeFile('a.xml');
    const other = storeFile('b.xml');
    capture('entries', 0, 4, sha);
    capture('entries', 100, 2, other);
    capture('ledger', 0, 3, undefined); // a database's records: linked to no file
    expect(records(sha)).toEqual({ inFlight: 4, rejected: 0, quarantined: 0, notSent: 0 });
    expect(records(other)).toEqual({ inFlight: 2, rejected: 0, quarantined: 0, notSent: 0 });

    // The cloud refuses one record of the file and takes the rest.
    deliverAll(['1']);
    expect(records(sha)).toEqual({ inFlight: 0, rejected: 1, quarantined: 0, notSent: 0 });

    // Replayed, it is in flight again with its link; delivered, the file is clean.
    expect(outbox.replayDeadLetters('all')).toBe(1);
    expect(records(sha)).toEqual({ inFlight: 1, rejected: 0, quarantined: 0, notSent: 0 });
    deliverAll();
    expect(records(sha)).toEqual({ inFlight: 0, rejected: 0, quarantined: 0, notSent: 0 });

    // Refused again and discarded by a person: still a refusal (the cloud never took it).
    capture('entries', 7, 1, sha);
    deliverAll(['7']);
    expect(outbox.discardDeadLetters('all')).toBe(1);
    expect(records(sha)).toEqual({ inFlight: 0, rejected: 1, quarantined: 0, notSent: 0 });
    expect(records(other)).toEqual({ inFlight: 0, rejected: 0, quarantined: 0, notSent: 0 });
  });

  it('counts quarantined records, keeps the link through a replay, and a discarded one as never sent', () => {
    const sha = storeFile('q.xml');
    capture('entries', 0, 3, sha, new Map([[0, MARK], [2, MARK]]));
    expect(records(sha)).toEqual({ inFlight: 1, rejected: 0, quarantined: 2, notSent: 0 });

    const [first, second] = outbox.quarantine.replayCandidates('all');
    const replay = outbox.quarantine.settleReplay([first!], [{ id: first!.id, pass: true, record: first!.record, schemaVersion: 1 }], 'cli:test');
    expect(replay.replayed).toBe(1);
    expect(records(sha)).toEqual({ inFlight: 2, rejected: 0, quarantined: 1, notSent: 0 });

    expect(outbox.quarantine.discard([second!.id], 'cli:test')).toBe(1);
    expect(records(sha)).toEqual({ inFlight: 2, rejected: 0, quarantined: 0, notSent: 1 });
  });

  it('answers each question with a seek in a partial file index (records of databases never enter it)', () => {
    const sha = storeFile('c.xml');
    capture('entries', 0, 2, sha);
    capture('ledger', 0, 5, undefined);
    const db = new Database(tmp.path('outbox.db'), { readonly: true });
    try {
      for (const [table, index] of [['records', 'records_file'], ['dead_letters', 'dead_letters_file'], ['discard_audit', 'discard_audit_file'], ['quarantine', 'quarantine_file']]) {
        const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM ${table} WHERE file_sha256 = ?`).all(sha) as { detail: string }[];
        expect(plan.map((p) => p.detail).join(' | '), table).toContain(`USING COVERING INDEX ${index}`);
      }
      expect(db.prepare('SELECT COUNT(*) AS n FROM records INDEXED BY records_file WHERE file_sha256 IS NOT NULL').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });
});
