import type Database from 'better-sqlite3';
import { CloudKey } from '../cloud-key.ts';
import { AgentRepo } from './agent-repo.ts';
import { BatchRepo } from './batch-repo.ts';
import { CountsRepo } from './counts-repo.ts';
import { FileRepo } from './file-repo.ts';
import { HeartbeatRepo } from './heartbeat-repo.ts';
import { HistoryRepo } from './history-repo.ts';
import { openDatabase } from './open-database.ts';
import { SourceOwnerRepo } from './source-owner-repo.ts';
import { WritebackRepo } from './writeback-repo.ts';

/** Everything the sandbox cloud keeps, in one SQLite file (plus file bytes under filesDir). */
export class SandboxStore {
  readonly db: Database.Database;
  readonly agents: AgentRepo;
  readonly history: HistoryRepo;
  readonly batches: BatchRepo;
  readonly owners: SourceOwnerRepo;
  readonly files: FileRepo;
  readonly heartbeats: HeartbeatRepo;
  readonly counts: CountsRepo;
  readonly writebacks: WritebackRepo;
  readonly cloudKey: CloudKey;

  constructor(dbPath: string, filesDir: string | undefined) {
    this.db = openDatabase(dbPath);
    this.agents = new AgentRepo(this.db);
    this.history = new HistoryRepo(this.db);
    this.batches = new BatchRepo(this.db, this.history);
    this.owners = new SourceOwnerRepo(this.db);
    this.files = new FileRepo(this.db, filesDir);
    this.heartbeats = new HeartbeatRepo(this.db);
    this.counts = new CountsRepo(this.db, this.batches);
    this.writebacks = new WritebackRepo(this.db);
    this.cloudKey = CloudKey.load(this.db);
  }

  /** Per entity, the highest seq held: what enrollment, tokens and heartbeats hand the agent. */
  seqFloors(agentId: string): Record<string, number> {
    return this.history.floors(this.agents.entities(agentId));
  }

  close(): void {
    this.db.close();
  }
}
