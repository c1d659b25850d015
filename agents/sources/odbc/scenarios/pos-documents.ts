/**
 * Test support for shift-close documents end to end: a throwaway SQLite POS (its schema given),
 * read over ODBC by the real capture loop into a real outbox (OutboxCloud). One per test; `dispose`
 * in afterEach stops the loop and drops the files.
 */
import { OdbcSourceSchema, type OdbcSourceConfig } from '../../../api/index.ts';
import type { CaptureLoop, CaptureLoopOptions } from '../../../engine/capture-loop.ts';
import { systemClock } from '../../../pipeline/clock.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../../../../test/helpers/databases.ts';
import { odbcCaptureLoop } from './capture-loop-harness.ts';
import { OutboxCloud } from './outbox-cloud.ts';

export class PosDocuments {
  readonly db: ThrowawayDatabase;
  readonly cloud = new OutboxCloud(systemClock);
  loop: CaptureLoop | undefined;

  private constructor(db: ThrowawayDatabase) {
    this.db = db;
  }

  static async create(name: string, schema: string): Promise<PosDocuments> {
    const db = createSqliteFile(name);
    await db.exec(schema);
    return new PosDocuments(db);
  }

  /** The source `pos-db` on this POS with one table stream (`items`) beside what `fields` adds (its documents). */
  source(fields: Record<string, unknown>): OdbcSourceConfig {
    return OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'pos-db',
      dialect: 'sqlite',
      connectionString: this.db.connectionString,
      streams: [{ name: 'items', table: 'items', keyColumns: ['id'], cursorColumn: 'changed' }],
      ...fields,
    });
  }

  start(config: OdbcSourceConfig, options: Partial<CaptureLoopOptions> = {}): CaptureLoop {
    this.loop = odbcCaptureLoop(this.cloud, config, options).loop;
    this.loop.start();
    return this.loop;
  }

  async dispose(): Promise<void> {
    await this.loop?.stop();
    this.cloud.close();
    await this.db.drop();
  }
}
