import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The schema of the seq contract (cloud-api.md § Batches). Version 1 (records unique by version,
 * without `seq`, entities or per-entity files) cannot be carried forward faithfully: such a file is
 * refused with a sentence instead of being half-migrated.
 */
const SCHEMA_V2 = `
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE enrollment_keys (
  key_sha256 TEXT PRIMARY KEY,
  entities_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  used_at TEXT,
  used_at_ms INTEGER,
  agent_id TEXT,
  hostname TEXT,
  -- The first answer, AES-GCM under a key derived from the enrollment key (which is not stored):
  -- a retry from the same host within 10 minutes gets it again; it is wiped after that.
  answer_enc BLOB
);
CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL UNIQUE,
  client_secret_sha256 TEXT NOT NULL,
  -- Valid until the new client secret is first used (rotation).
  previous_client_secret_sha256 TEXT,
  -- Kept in the clear: the cloud must recompute HMACs with it.
  signing_secret TEXT NOT NULL,
  previous_signing_secret TEXT,
  previous_valid_until_ms INTEGER,
  entities_json TEXT NOT NULL,
  name TEXT NOT NULL,
  hostname TEXT NOT NULL,
  version TEXT NOT NULL,
  enrolled_at TEXT NOT NULL,
  revoked_at TEXT,
  deleted_at TEXT,
  last_seen_at TEXT,
  audit_head TEXT
);
CREATE TABLE rotations (
  agent_id TEXT NOT NULL REFERENCES agents(agent_id),
  key_sha256 TEXT NOT NULL,
  -- The answer, AES-GCM under a key derived from the Idempotency-Key (which is not stored).
  answer_enc BLOB NOT NULL,
  rotated_at TEXT NOT NULL,
  PRIMARY KEY (agent_id, key_sha256)
);
CREATE TABLE tokens (
  token_sha256 TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(agent_id),
  expires_at_ms INTEGER NOT NULL
);
CREATE TABLE source_owners (
  entity TEXT NOT NULL,
  source TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  since TEXT NOT NULL,
  PRIMARY KEY (entity, source)
);
CREATE TABLE batches (
  seq INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  -- sha256 over (entity, source, stream, [key, seq, version]…): what "the same batch" means.
  records_sha256 TEXT NOT NULL,
  entity TEXT NOT NULL,
  source TEXT NOT NULL,
  stream TEXT NOT NULL,
  record_count INTEGER NOT NULL,
  accepted INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  unchanged INTEGER NOT NULL,
  stale INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  response_json TEXT NOT NULL,
  retransmissions INTEGER NOT NULL DEFAULT 0,
  content_encoding TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (agent_id, idempotency_key)
);
-- Every record the cloud holds: accepted, stale and unchanged alike, unique forever by seq.
CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  batch_seq INTEGER NOT NULL REFERENCES batches(seq),
  entity TEXT NOT NULL,
  source TEXT NOT NULL,
  stream TEXT NOT NULL,
  key_json TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version TEXT NOT NULL,
  op TEXT NOT NULL,
  captured_at TEXT NOT NULL,
  data_json TEXT,
  grp TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'stale', 'unchanged')),
  received_at TEXT NOT NULL,
  UNIQUE (entity, source, stream, key_json, seq)
);
CREATE INDEX history_by_entity_seq ON history (entity, seq);
CREATE INDEX history_by_stream ON history (entity, source, stream, id);
-- Each key's latest: the record that made it latest, and the seq it stands at (an unchanged record moves it up).
CREATE TABLE latest (
  entity TEXT NOT NULL,
  source TEXT NOT NULL,
  stream TEXT NOT NULL,
  key_json TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version TEXT NOT NULL,
  history_id INTEGER NOT NULL REFERENCES history(id),
  PRIMARY KEY (entity, source, stream, key_json)
);
CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL,
  -- NULL when the bytes live on disk under filesDir.
  content BLOB
);
CREATE TABLE files (
  entity TEXT NOT NULL,
  sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  name TEXT,
  source TEXT,
  export_name TEXT,
  content_type TEXT,
  agent_id TEXT,
  stored_at TEXT NOT NULL,
  PRIMARY KEY (entity, sha256)
);
CREATE TABLE heartbeats (
  seq INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  body_json TEXT NOT NULL
);
CREATE TABLE commands (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  name TEXT NOT NULL,
  args_json TEXT NOT NULL,
  -- valid | missing | invalid: tests make the cloud send unsigned or wrongly signed commands.
  signature TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE TABLE command_acks (
  seq INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL,
  command_id TEXT NOT NULL,
  ok INTEGER NOT NULL,
  ack_json TEXT NOT NULL,
  channel TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE TABLE request_counts (
  endpoint TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (endpoint, status)
);
`;

/**
 * Version 3: the WebSocket tunnel. A command remembers when it went down the tunnel (apart from the
 * heartbeat's hand-over), and the last `status` message of each agent is kept.
 */
const MIGRATE_V2_TO_V3 = `
ALTER TABLE commands ADD COLUMN tunnel_delivered_at TEXT;
-- 1: the heartbeat hands it over even after the tunnel did (tests of at-most-once across channels).
ALTER TABLE commands ADD COLUMN both_channels INTEGER NOT NULL DEFAULT 0;
CREATE TABLE tunnel_status (
  agent_id TEXT PRIMARY KEY,
  received_at TEXT NOT NULL,
  body_json TEXT NOT NULL
);
`;

const SCHEMA_VERSION = 3;

/**
 * Opens (creating if needed) the sandbox's SQLite file and brings its schema up to date.
 * WAL with synchronous=NORMAL: a killed sandbox process loses nothing it acknowledged, which is the
 * failure the tests provoke; power loss is not a sandbox concern.
 */
export function openDatabase(dbPath: string): Database.Database {
  if (dbPath !== ':memory:') mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current === 0) {
    db.transaction(() => {
      db.exec(SCHEMA_V2);
      db.exec(MIGRATE_V2_TO_V3);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  } else if (current === 2) {
    db.transaction(() => {
      db.exec(MIGRATE_V2_TO_V3);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  } else if (current !== SCHEMA_VERSION) {
    db.close();
    throw new Error(
      `The sandbox database ${dbPath} was written for ${current < SCHEMA_VERSION ? 'an older' : 'a newer'} cloud contract ` +
        `(schema ${current}, this sandbox uses ${SCHEMA_VERSION}); start the sandbox with a new --db file or delete this one.`,
    );
  }
  return db;
}
