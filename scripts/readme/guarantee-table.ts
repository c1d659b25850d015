/**
 * The guarantees of docs/guarantees.md and the tests that prove them. A test file can also claim a guarantee
 * itself with a comment `@guarantee <n> <what it shows>`; the generator adds those. Every file named
 * here or tagged must exist, or the README is not regenerated.
 */

export interface Proof {
  /** Repository-relative path. */
  file: string;
  shows: string;
}

export interface Guarantee {
  /** The number in docs/guarantees.md. */
  number: number;
  title: string;
  promise: string;
  proofs: Proof[];
}

export const GUARANTEES: readonly Guarantee[] = [
  {
    number: 1,
    title: 'Effectively once',
    promise: 'kill -9 anywhere, network faults, restarts: 0 lost, 0 duplicated effects in the cloud.',
    proofs: [
      {
        file: 'test/faults/kill-agent.test.ts',
        shows: 'kill -9 of a real agent at seeded points across capture and delivery, reconciled against the source',
      },
      {
        file: 'test/faults/network-faults.test.ts',
        shows:
          'latency, hangs, blackholes, resets mid-request and mid-response, truncation, throttling, refused connections',
      },
      {
        file: 'test/faults/offline-week.test.ts',
        shows:
          'offline for more than a day and replayed after 7 days: retransmissions recognised, nothing applied twice',
      },
      {
        file: 'test/integration/delivery-faults.test.ts',
        shows: 'an answer lost after the cloud committed: resent with the same Idempotency-Key, applied once',
      },
      {
        file: 'sandbox/batches.test.ts',
        shows: 'the cloud side: stored answers for retransmissions, records deduped forever however batches are split',
      },
      {
        file: 'agents/outbox/record-version.test.ts',
        shows: 'a version is a digest of canonical content: stable across key order and number spelling',
      },
      {
        file: 'test/helpers/reconcile.test.ts',
        shows: 'the reconciler itself fails on a lost row, a row applied twice (a random version) and stale content',
      },
    ],
  },
  {
    number: 2,
    title: 'Atomic checkpoints',
    promise:
      "A source's checkpoint commits in the same transaction as its records; it is acknowledged only after that commit.",
    proofs: [
      {
        file: 'agents/outbox/outbox-crash.test.ts',
        shows:
          'a real process killed mid-enqueue: the records and checkpoint parts on disk are exactly those its committed checkpoint accounts for',
      },
      {
        file: 'agents/outbox/outbox.test.ts',
        shows: 'records and checkpoint are written together; one bad value leaves both unchanged',
      },
      {
        file: 'test/faults/resumable-load.test.ts',
        shows:
          'an initial load killed twice resumes at the chunk after the committed checkpoint and ends with exactly the table',
      },
      {
        file: 'agents/sources/odbc/odbc-source.sqlite.test.ts',
        shows: 'a page read but never committed is read again after a restart (the shared ODBC scenarios)',
      },
    ],
  },
  {
    number: 3,
    title: 'Bounded, never silently dropping',
    promise:
      'When the outbox is full or the disk is, capture pauses, cursors stay, an alert is raised; nothing is dropped.',
    proofs: [
      {
        file: 'test/e2e/backpressure.test.ts',
        shows:
          'a real agent hits the size cap: capture pauses, the cursor stays, status says so, then it resumes without loss',
      },
      {
        file: 'test/faults/disk-full.test.ts',
        shows:
          "SQLite's own SQLITE_FULL (max_page_count) in the running engine: capture blocks, alert, integrity_check ok",
      },
      {
        file: 'agents/outbox/outbox.test.ts',
        shows: 'the cap is checked before anything is written; SQLITE_FULL leaves the file intact and resumes',
      },
      {
        file: 'test/faults/cloud-outage.test.ts',
        shows: 'a 30-minute outage on a virtual clock: queue kept, backoff capped, alert after 5 minutes, drained once',
      },
    ],
  },
  {
    number: 4,
    title: 'Money exact, time explicit',
    promise:
      'DECIMAL/NUMERIC and BIGINT travel as strings; timestamps carry an offset, naive ones read in the source’s zone.',
    proofs: [
      {
        file: 'test/e2e/agent-end-to-end.test.ts',
        shows:
          'decimals and 64-bit integers arrive as the database has them, from SQLite and PostgreSQL through a real agent',
      },
      {
        file: 'agents/sources/odbc/odbc-source.postgresql.test.ts',
        shows: 'exact numbers, NULLs and µs timestamps over the PostgreSQL driver (MariaDB and SQLite files alike)',
      },
      {
        file: 'test/integration/real-databases-sakila.test.ts',
        shows:
          "Sakila synced completely: payment amounts are the database's exact text and add up to the documented totals",
      },
      {
        file: 'agents/sources/odbc/zoned-time.test.ts',
        shows: 'naive timestamps read in the configured IANA zone, including DST gaps and repeated hours',
      },
      {
        file: 'sandbox/batches.test.ts',
        shows: 'the cloud rejects any JSON number in record data (number_not_allowed)',
      },
    ],
  },
  {
    number: 5,
    title: 'Priority',
    promise: 'Shift closes and other urgent streams have their own lane and never wait behind a bulk backfill.',
    proofs: [
      {
        file: 'agents/outbox/batches.test.ts',
        shows: 'an urgent batch is handed out although 10,000 bulk records are older',
      },
      {
        file: 'test/integration/delivery-faults.test.ts',
        shows: 'an urgent record is delivered while a bulk request is stuck in the cloud',
      },
      {
        file: 'agents/sources/odbc/documents/documents.sqlite.test.ts',
        shows: 'each closed shift is sent once, as one urgent record with its children and totals',
      },
    ],
  },
  {
    number: 6,
    title: 'Durable state in SQLite only',
    promise:
      'WAL with synchronous=FULL (unless it costs more than 15%), no side files, quick_check at start, a corrupt file moved aside with an alert.',
    proofs: [
      {
        file: 'agents/outbox/open-database.test.ts',
        shows:
          'WAL and the configured synchronous level; a damaged page, header or -wal is moved aside with a critical alert',
      },
      {
        file: 'test/faults/corrupt-outbox.test.ts',
        shows:
          'a corrupted byte between two runs of a real agent: detected, moved aside, reported, data still exactly once',
      },
      {
        file: 'agents/outbox/batches.test.ts',
        shows: 'batch identity and retry state survive closing and reopening the file',
      },
      {
        file: 'bench/outbox/index.ts',
        shows: 'the cost of FULL against NORMAL per transaction size (see Performance)',
      },
    ],
  },
];
