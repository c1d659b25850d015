/**
 * The outbox's schema, version by version (`PRAGMA user_version`); migrate.ts applies them.
 */
import type { SqliteDatabase } from './open-database.ts';

export interface Migration {
  version: number;
  description: string;
  up(db: SqliteDatabase): void;
}

export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'records, batches, checkpoints, dead letters, discard audit, agent state, alerts, counters',
    up(db) {
      db.exec(`
        -- Running totals, so neither enqueue nor stats scans the queue.
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES
          ('queued_bytes', 0), ('delivered', 0), ('depth_urgent', 0), ('depth_bulk', 0),
          ('dead_letters', 0), ('max_bytes', 0);

        -- Every (source, stream) that ever enqueued: lets nextBatch find the oldest record per
        -- stream with index seeks instead of walking a blocked backfill.
        CREATE TABLE streams (source TEXT NOT NULL, stream TEXT NOT NULL, PRIMARY KEY (source, stream)) WITHOUT ROWID;

        CREATE TABLE batches (
          batch_id TEXT PRIMARY KEY,
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          lane TEXT NOT NULL CHECK (lane IN ('urgent', 'bulk')),
          created_at TEXT NOT NULL,
          -- Smallest record id in the batch: orders the batches of one stream (also across splits).
          first_record_id INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          last_error_code TEXT,
          last_error_message TEXT
        );
        CREATE INDEX batches_stream ON batches (source, stream, first_record_id);
        CREATE INDEX batches_due ON batches (lane, next_attempt_at);

        CREATE TABLE records (
          id INTEGER PRIMARY KEY,
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          lane TEXT NOT NULL CHECK (lane IN ('urgent', 'bulk')),
          key_canonical TEXT NOT NULL,
          op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
          version TEXT NOT NULL,
          data TEXT,
          captured_at TEXT NOT NULL,
          captured_ms INTEGER NOT NULL,
          bytes INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          batch_id TEXT REFERENCES batches (batch_id)
        );
        CREATE UNIQUE INDEX records_dedupe ON records (source, stream, key_canonical, version);
        CREATE INDEX records_unassigned ON records (lane, source, stream, id) WHERE batch_id IS NULL;
        CREATE INDEX records_batch ON records (batch_id, id) WHERE batch_id IS NOT NULL;
        CREATE INDEX records_captured ON records (captured_ms);

        CREATE TABLE checkpoints (
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (source, stream)
        ) WITHOUT ROWID;

        CREATE TABLE dead_letters (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          lane TEXT NOT NULL,
          key_canonical TEXT NOT NULL,
          op TEXT NOT NULL,
          version TEXT NOT NULL,
          data TEXT,
          captured_at TEXT NOT NULL,
          captured_ms INTEGER NOT NULL,
          bytes INTEGER NOT NULL,
          attempts INTEGER NOT NULL,
          reason_code TEXT NOT NULL,
          reason_message TEXT NOT NULL,
          failed_at TEXT NOT NULL
        );

        -- What a person threw away, and when: discarded data is gone, the fact is not.
        CREATE TABLE discard_audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          dead_letter_id INTEGER NOT NULL,
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          key_canonical TEXT NOT NULL,
          op TEXT NOT NULL,
          version TEXT NOT NULL,
          captured_at TEXT NOT NULL,
          reason_code TEXT NOT NULL,
          reason_message TEXT NOT NULL,
          failed_at TEXT NOT NULL,
          discarded_at TEXT NOT NULL
        );

        CREATE TABLE agent_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

        CREATE TABLE alerts (
          code TEXT PRIMARY KEY,
          severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
          message TEXT NOT NULL,
          since TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'files: originals of ingested files awaiting upload, and the fingerprints of every imported file',
    up(db) {
      db.exec(`
        CREATE TABLE files (
          sha256 TEXT PRIMARY KEY,
          source TEXT NOT NULL,
          name TEXT NOT NULL,
          content_type TEXT NOT NULL,
          lane TEXT NOT NULL CHECK (lane IN ('urgent', 'bulk')),
          bytes INTEGER NOT NULL,
          stored_at TEXT NOT NULL,
          -- Set once the file's records committed: from then on the same content is a duplicate.
          imported_at TEXT,
          -- Set once the imported file left the watched folder; until then, finding it there again is no duplicate.
          archived_at TEXT,
          upload_state TEXT NOT NULL CHECK (upload_state IN ('pending', 'uploaded', 'failed')),
          uploaded_at TEXT,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL DEFAULT 0,
          last_error_code TEXT,
          last_error_message TEXT
        ) WITHOUT ROWID;
        CREATE INDEX files_pending ON files (lane, next_attempt_at) WHERE upload_state = 'pending';

        -- The content, until the cloud has it. Chunks keep rows small (a rowid table: blobs do not
        -- belong in a WITHOUT ROWID b-tree).
        CREATE TABLE file_chunks (
          id INTEGER PRIMARY KEY,
          sha256 TEXT NOT NULL,
          seq INTEGER NOT NULL,
          data BLOB NOT NULL
        );
        CREATE UNIQUE INDEX file_chunks_order ON file_chunks (sha256, seq);
      `);
    },
  },
  {
    version: 3,
    description:
      'seq: every queued change gets its per-key sequence number (in queue order), groups, and the per-key memory ' +
      'of the newest version that replaces the all-time (key, version) dedupe, so A → B → A is sent',
    up(db) {
      db.exec(`
        ALTER TABLE records ADD COLUMN seq INTEGER;
        ALTER TABLE records ADD COLUMN grp TEXT;
        ALTER TABLE dead_letters ADD COLUMN seq INTEGER;
        ALTER TABLE dead_letters ADD COLUMN grp TEXT;

        -- The hybrid logical clock's last value and the highest floor the cloud gave (cloud-api.md § Batches).
        INSERT INTO meta (key, value) VALUES ('seq_last', 0), ('seq_floor', 0);

        -- Per key: the newest version captured that the cloud has not refused (NULL: nothing to compare
        -- with, the next read is queued) and the newest seq captured. Replaces records_dedupe: a version
        -- equal to an older one (A → B → A) is a change again.
        CREATE TABLE key_memory (
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          key_canonical TEXT NOT NULL,
          version TEXT,
          seq INTEGER NOT NULL,
          PRIMARY KEY (source, stream, key_canonical)
        ) WITHOUT ROWID;
        DROP INDEX records_dedupe;
        CREATE INDEX records_key ON records (source, stream, key_canonical, id);
      `);
      // Queued records (captured before seq existed) are numbered in queue order from the current time,
      // which keeps each key's changes increasing; the cloud's floor is taken before the next capture.
      const base = Date.now() * 1000;
      db.prepare('UPDATE records SET seq = ? + id').run(base);
      db.prepare('UPDATE dead_letters SET seq = ? + id + (SELECT COALESCE(MAX(id), 0) FROM records)').run(base);
      // The clock continues above what was numbered here; a fresh outbox starts from its own clock.
      db.exec(
        `UPDATE meta SET value = (SELECT COALESCE(MAX(s), 0) FROM (SELECT MAX(seq) AS s FROM records UNION ALL
                                                                  SELECT MAX(seq) FROM dead_letters))
         WHERE key = 'seq_last'`,
      );
      db.exec(`
        INSERT INTO key_memory (source, stream, key_canonical, version, seq)
        SELECT source, stream, key_canonical, version, seq FROM records r
        WHERE id = (SELECT MAX(id) FROM records o
                    WHERE o.source = r.source AND o.stream = r.stream AND o.key_canonical = r.key_canonical);
      `);
    },
  },
  {
    version: 4,
    description:
      'completeness: each queued record and dead letter keeps its business day, currency and money; ' +
      'day_totals counts records and sums money read, delivered and refused per (day, source, stream, currency)',
    up(db) {
      db.exec(`
        ALTER TABLE records ADD COLUMN day TEXT;
        ALTER TABLE records ADD COLUMN currency TEXT;
        ALTER TABLE records ADD COLUMN amount TEXT;
        ALTER TABLE dead_letters ADD COLUMN day TEXT;
        ALTER TABLE dead_letters ADD COLUMN currency TEXT;
        ALTER TABLE dead_letters ADD COLUMN amount TEXT;

        -- Amounts are exact decimal strings (NULL: no record of the group carried money). Records
        -- queued before this version have no day and are not counted: a day starts complete or not
        -- at all, never half counted.
        CREATE TABLE day_totals (
          day TEXT NOT NULL,
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          currency TEXT NOT NULL,
          read_records INTEGER NOT NULL DEFAULT 0,
          read_amount TEXT,
          delivered_records INTEGER NOT NULL DEFAULT 0,
          delivered_amount TEXT,
          failed_records INTEGER NOT NULL DEFAULT 0,
          failed_amount TEXT,
          PRIMARY KEY (day, source, stream, currency)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 5,
    description: 'activity: what happened, in words, and the per-minute samples of the 24-hour charts, kept across restarts',
    up(db) {
      db.exec(`
        CREATE TABLE activity (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          at_ms INTEGER NOT NULL,
          kind TEXT NOT NULL,
          source TEXT,
          message TEXT NOT NULL
        );
        CREATE INDEX activity_kind ON activity (kind, id);
        CREATE INDEX activity_source ON activity (source, id);
        CREATE INDEX activity_age ON activity (at_ms);

        -- delivered is the outbox's running total at the sample: a minute's deliveries are the
        -- difference to the sample before, which stays right across a restart.
        CREATE TABLE history_samples (
          at_ms INTEGER PRIMARY KEY,
          delivered INTEGER NOT NULL,
          depth INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 6,
    description: 'files on hold waiting for a person, and voids of imported files whose records are deleted in the cloud',
    up(db) {
      db.exec(`
        CREATE TABLE held_files (
          sha256 TEXT PRIMARY KEY,
          source TEXT NOT NULL,
          name TEXT NOT NULL,
          path TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          held_at TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('held', 'approved', 'rejected')),
          decided_at TEXT
        ) WITHOUT ROWID;
        CREATE TABLE file_voids (
          sha256 TEXT PRIMARY KEY,
          source TEXT NOT NULL,
          name TEXT NOT NULL,
          path TEXT NOT NULL,
          requested_at TEXT NOT NULL,
          done_at TEXT,
          records INTEGER
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 7,
    description: 'the audit log: security-relevant events in a hash chain, each sealed with a MAC (audit-log.ts)',
    up(db) {
      db.exec(`
        -- Never trimmed: a chain that loses its oldest entries cannot be told from one that was cut.
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          actor TEXT NOT NULL,
          event TEXT NOT NULL,
          subject TEXT NOT NULL,
          details TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL,
          mac TEXT
        );
        CREATE INDEX audit_log_at ON audit_log (at);
      `);
    },
  },
  {
    version: 8,
    description:
      'source entities: the entity (company) each source sends for, bound when it first reads, so a config edit cannot ' +
      'send what was queued under one entity under another (source-entities.ts)',
    up: (db) => {
      db.exec(`
        CREATE TABLE source_entities (
          source TEXT PRIMARY KEY,
          entity TEXT NOT NULL,
          bound_at TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 9,
    description:
      'quarantine: records that failed their mapping or validation wait here with the reasons and the seq they got at ' +
      'capture, until a person fixes and replays or discards them; records and batches carry the stream schema version ' +
      '(quarantine-store.ts)',
    up: (db) => {
      db.exec(`
        CREATE TABLE quarantine (
          id INTEGER PRIMARY KEY,
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          lane TEXT NOT NULL,
          key_canonical TEXT NOT NULL,
          op TEXT NOT NULL,
          grp TEXT,
          seq INTEGER NOT NULL,
          captured_at TEXT NOT NULL,
          data TEXT,
          original_data TEXT,
          stage TEXT NOT NULL,
          hold INTEGER NOT NULL,
          reasons TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'open',
          quarantined_at TEXT NOT NULL,
          resolved_at TEXT,
          resolved_by TEXT,
          time_zone TEXT
        );
        CREATE INDEX quarantine_open ON quarantine (source, stream, id) WHERE state = 'open';
        CREATE INDEX quarantine_group ON quarantine (source, stream, grp) WHERE grp IS NOT NULL;
        ALTER TABLE records ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE batches ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 1;
      `);
    },
  },
  {
    version: 10,
    description:
      'sink queue: records of the streams a broker sink publishes, queued in the transaction that queues them for the ' +
      'cloud and removed only when the broker confirmed them; per sink the confirmed and republished counts and its last ' +
      'error (sink-queue-store.ts, docs/rabbitmq-sink.md)',
    up: (db) => {
      db.exec(`
        CREATE TABLE sink_queue (
          id INTEGER PRIMARY KEY,
          sink TEXT NOT NULL,
          message_id TEXT NOT NULL,
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          op TEXT NOT NULL,
          seq INTEGER NOT NULL,
          routing_key TEXT NOT NULL,
          body TEXT NOT NULL,
          published INTEGER NOT NULL DEFAULT 0,
          queued_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX sink_queue_message ON sink_queue (sink, message_id);
        CREATE INDEX sink_queue_order ON sink_queue (sink, id);
        CREATE TABLE sink_state (
          sink TEXT PRIMARY KEY,
          confirmed INTEGER NOT NULL DEFAULT 0,
          republished INTEGER NOT NULL DEFAULT 0,
          state TEXT NOT NULL DEFAULT 'stopped',
          last_error TEXT,
          last_error_at TEXT,
          last_confirmed_at TEXT
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 11,
    description:
      'file links: each record, dead letter, discarded dead letter and quarantine entry read from a file names the ' +
      "file's SHA-256, so the SFTP exchange moves or deletes a bank's file only once none of its records was refused " +
      '(file-records.ts, docs/sftp.md)',
    up: (db) => {
      // NULL for everything not read from a file (databases, brokers): the partial indexes cost those
      // inserts nothing, and answer "where are this file's records?" with one seek per table.
      db.exec(`
        ALTER TABLE records ADD COLUMN file_sha256 TEXT;
        ALTER TABLE dead_letters ADD COLUMN file_sha256 TEXT;
        ALTER TABLE discard_audit ADD COLUMN file_sha256 TEXT;
        ALTER TABLE quarantine ADD COLUMN file_sha256 TEXT;
        CREATE INDEX records_file ON records (file_sha256) WHERE file_sha256 IS NOT NULL;
        CREATE INDEX dead_letters_file ON dead_letters (file_sha256) WHERE file_sha256 IS NOT NULL;
        CREATE INDEX discard_audit_file ON discard_audit (file_sha256) WHERE file_sha256 IS NOT NULL;
        CREATE INDEX quarantine_file ON quarantine (file_sha256, state) WHERE file_sha256 IS NOT NULL;
      `);
    },
  },
  {
    version: 12,
    description:
      "checkpoint parts: a snapshot stream's manifest of every row is kept in immutable parts, stored and deleted in " +
      'the transaction that commits the checkpoint naming them, so a commit writes what changed instead of the whole ' +
      'manifest again (checkpoint-part-store.ts, api/checkpoint-parts.ts)',
    up: (db) => {
      // A rowid table with a unique index, not WITHOUT ROWID: a part is up to a few MB, and a WITHOUT
      // ROWID table keeps whole rows in its key b-tree (SQLite advises it only for rows well under a
      // page). This way the index stays small and the bodies live in the table's overflow pages.
      db.exec(`
        CREATE TABLE checkpoint_parts (
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          id TEXT NOT NULL,
          text TEXT NOT NULL,
          data BLOB NOT NULL
        );
        CREATE UNIQUE INDEX checkpoint_parts_key ON checkpoint_parts (source, stream, id);
      `);
    },
  },
  {
    version: 13,
    description:
      "shift closes: a summary of each shift a database source sent as a document, written with the document, for the " +
      'Shifts screen (shift-closes.ts); the document itself leaves the queue once delivered',
    up: (db) => {
      db.exec(`
        CREATE TABLE shift_closes (
          source TEXT NOT NULL,
          stream TEXT NOT NULL,
          key_canonical TEXT NOT NULL,
          register TEXT NOT NULL,
          z TEXT,
          closed_at TEXT NOT NULL,
          business_day TEXT NOT NULL,
          currency TEXT,
          total TEXT,
          over_short TEXT,
          balanced INTEGER NOT NULL,
          captured_ms INTEGER NOT NULL,
          PRIMARY KEY (source, stream, key_canonical)
        ) WITHOUT ROWID;
        CREATE INDEX shift_closes_captured ON shift_closes (captured_ms);
      `);
    },
  },
];

export const OUTBOX_SCHEMA_VERSION = OUTBOX_MIGRATIONS.length;
