import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const SCHEMA_V1 = `
CREATE TABLE enrollment_keys (
  key_sha256 TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  used_at TEXT,
  agent_id TEXT
);
CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL UNIQUE,
  client_secret_sha256 TEXT NOT NULL,
  -- Kept in the clear: the cloud must recompute HMACs with it.
  signing_secret TEXT NOT NULL,
  previous_signing_secret TEXT,
  previous_valid_until_ms INTEGER,
  name TEXT NOT NULL,
  hostname TEXT NOT NULL,
  version TEXT NOT NULL,
  enrolled_at TEXT NOT NULL,
  revoked_at TEXT,
  last_seen_at TEXT
);
CREATE TABLE tokens (
  token_sha256 TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(agent_id),
  expires_at_ms INTEGER NOT NULL
);
CREATE TABLE batches (
  seq INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  entity TEXT NOT NULL,
  source TEXT NOT NULL,
  stream TEXT NOT NULL,
  record_count INTEGER NOT NULL,
  accepted INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  response_json TEXT NOT NULL,
  retransmissions INTEGER NOT NULL DEFAULT 0,
  content_encoding TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (agent_id, idempotency_key)
);
CREATE TABLE records (
  seq INTEGER PRIMARY KEY,
  batch_seq INTEGER NOT NULL REFERENCES batches(seq),
  entity TEXT NOT NULL,
  source TEXT NOT NULL,
  stream TEXT NOT NULL,
  key_json TEXT NOT NULL,
  version TEXT NOT NULL,
  op TEXT NOT NULL,
  captured_at TEXT NOT NULL,
  data_json TEXT,
  received_at TEXT NOT NULL,
  -- The permanent dedupe of cloud-api.md: a record is held once, however often it is sent.
  UNIQUE (entity, source, stream, key_json, version)
);
CREATE INDEX records_by_stream ON records (source, stream, seq);
CREATE TABLE files (
  sha256 TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL,
  name TEXT,
  source TEXT,
  content_type TEXT,
  agent_id TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  -- NULL when the bytes live on disk under filesDir.
  content BLOB
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
  queued_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE TABLE request_counts (
  endpoint TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (endpoint, status)
);
`;

const MIGRATIONS: readonly string[] = [SCHEMA_V1];

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
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
