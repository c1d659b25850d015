/**
 * Where the records read from one file stand, by the file's SHA-256 (outbox migration 11 keeps it on
 * each record, dead letter, discarded dead letter and quarantine entry). The SFTP exchange asks this
 * before it moves or deletes a bank's file on the server: only a file whose every record reached the
 * cloud may go (docs/sftp.md). Records carry no other link to their file: a mapping may drop the
 * `sourceFile` a statement record has in its data.
 */
import type { SqliteDatabase } from './open-database.ts';

export interface FileRecords {
  /** Queued, or in a batch the cloud has not answered yet. */
  inFlight: number;
  /**
   * Refused by the cloud: waiting in the dead letters, or discarded from there by a person (still a
   * refusal: the cloud never took them). A dead letter replayed is in flight again, then delivered.
   */
  rejected: number;
  /** Stopped by the stream's mapping or validation, waiting in quarantine for a person to fix or discard. */
  quarantined: number;
  /** Quarantined and then discarded by a person, or superseded by a newer change of the key: never sent. */
  notSent: number;
}

export class FileRecordsQuery {
  readonly #query;

  constructor(db: SqliteDatabase) {
    // Each subquery is one seek in its table's partial file index (migration 11).
    this.#query = db.prepare<{ sha: string }, FileRecords>(
      `SELECT (SELECT COUNT(*) FROM records WHERE file_sha256 = @sha) AS inFlight,
              (SELECT COUNT(*) FROM dead_letters WHERE file_sha256 = @sha)
                + (SELECT COUNT(*) FROM discard_audit WHERE file_sha256 = @sha) AS rejected,
              (SELECT COUNT(*) FROM quarantine WHERE file_sha256 = @sha AND state = 'open') AS quarantined,
              (SELECT COUNT(*) FROM quarantine WHERE file_sha256 = @sha AND state IN ('discarded', 'superseded')) AS notSent`,
    );
  }

  of(sha256: string): FileRecords {
    return this.#query.get({ sha: sha256 }) ?? { inFlight: 0, rejected: 0, quarantined: 0, notSent: 0 };
  }
}
