import type Database from 'better-sqlite3';
import { AgentRepo } from './agent-repo.ts';
import { BatchRepo } from './batch-repo.ts';
import { CountsRepo } from './counts-repo.ts';
import { FileRepo } from './file-repo.ts';
import { HeartbeatRepo } from './heartbeat-repo.ts';
import { openDatabase } from './open-database.ts';

/** Everything the sandbox cloud keeps, in one SQLite file (plus file bytes under filesDir). */
export class SandboxStore {
  readonly db: Database.Database;
  readonly agents: AgentRepo;
  readonly batches: BatchRepo;
  readonly files: FileRepo;
  readonly heartbeats: HeartbeatRepo;
  readonly counts: CountsRepo;

  constructor(dbPath: string, filesDir: string | undefined) {
    this.db = openDatabase(dbPath);
    this.agents = new AgentRepo(this.db);
    this.batches = new BatchRepo(this.db);
    this.files = new FileRepo(this.db, filesDir);
    this.heartbeats = new HeartbeatRepo(this.db);
    this.counts = new CountsRepo(this.db);
  }

  close(): void {
    this.db.close();
  }
}
