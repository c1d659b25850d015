/**
 * Test support: a real outbox in a temp dir as the engine's side of a source (records and checkpoint
 * committed together, then acked), and "the cloud" as what delivering that outbox in order would
 * leave behind, with the cloud's permanent `(key, version)` dedupe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, SourceRecord } from '../../../api/index.ts';
import { Outbox } from '../../../outbox/index.ts';
import { recordVersion } from '../../../outbox/record-version.ts';
import type { Clock } from '../../../pipeline/clock.ts';
import type { ReadResult, Source, SourceContext } from '../../../pipeline/source.ts';
import { createSilentLogger } from '../../../telemetry/logger.ts';

export interface CloudRow {
  data: JsonObject;
  version: string;
}

export class OutboxCloud {
  readonly outbox: Outbox;
  readonly context: SourceContext;
  /** Committed records whose `(stream, key, version)` had been committed before. */
  duplicates = 0;
  committed = 0;
  /** stream → key → the row the cloud holds (deleted rows are gone). */
  readonly rows = new Map<string, Map<string, CloudRow>>();
  readonly #dir: string;
  readonly #versions = new Set<string>();
  readonly #applied = new Set<string>();
  readonly #latestSeq = new Map<string, number>();

  constructor(clock: Clock = { now: () => Date.UTC(2025, 0, 2, 3, 4, 5), sleep: () => Promise.resolve() }) {
    this.#dir = mkdtempSync(join(tmpdir(), 'tya-odbc-cloud-'));
    this.outbox = Outbox.open({ path: join(this.#dir, 'outbox.db'), maxBytes: 1024 ** 3, synchronous: 'NORMAL', clock });
    this.context = {
      checkpoints: this.outbox,
      secrets: { resolve: () => Promise.reject(new Error('no secrets here')) },
      logger: createSilentLogger(),
      clock,
    };
  }

  /** What the capture loop does with a read: one transaction for records and checkpoint, then ack. */
  commit(source: string, result: ReadResult): void {
    for (const record of result.records) {
      const id = `${record.stream}|${JSON.stringify(record.key)}|${recordVersion(record)}`;
      if (this.#versions.has(id)) this.duplicates += 1;
      this.#versions.add(id);
    }
    this.committed += result.records.length;
    this.outbox.enqueue({ source, stream: result.stream, lane: result.lane, records: result.records, checkpoint: result.checkpoint, checkpointParts: result.checkpointParts, shiftCloses: result.shiftCloses });
    result.ack();
  }

  /** Reads and commits until the source has nothing more; returns the records committed. */
  async drain(source: Source, maxReads = 10_000): Promise<SourceRecord[]> {
    const signal = new AbortController().signal;
    const records: SourceRecord[] = [];
    for (let i = 0; i < maxReads; i += 1) {
      const result = await source.read(signal);
      if (result === null) return records;
      this.commit(source.name, result);
      records.push(...result.records);
    }
    throw new Error(`source ${source.name} still had data after ${maxReads} reads`);
  }

  /** Delivers everything queued, in the outbox's batch order, to the in-memory cloud. */
  deliver(): void {
    for (const lane of ['urgent', 'bulk'] as const) {
      for (;;) {
        const batch = this.outbox.nextBatch({ lane, maxRecords: 500, maxBytes: 10_000_000 });
        if (batch === null) break;
        for (const record of batch.records) {
          const key = JSON.stringify(record.key);
          const id = `${record.stream}|${key}|${record.seq}`;
          if (this.#applied.has(id)) continue; // the cloud's permanent (key, seq) dedupe
          this.#applied.add(id);
          // Only a newer seq becomes the key's latest (cloud-api.md § Batches).
          const latestSeq = this.#latestSeq.get(`${record.stream}|${key}`) ?? 0;
          if (record.seq < latestSeq) continue;
          this.#latestSeq.set(`${record.stream}|${key}`, record.seq);
          const stream = this.rows.get(record.stream) ?? new Map<string, CloudRow>();
          this.rows.set(record.stream, stream);
          if (record.op === 'delete') stream.delete(key);
          else stream.set(key, { data: record.data!, version: record.version });
        }
        this.outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
      }
    }
  }

  /** The cloud's rows of a stream, by the record key's JSON (`{"id":"7"}`). */
  stream(name: string): Map<string, CloudRow> {
    return this.rows.get(name) ?? new Map<string, CloudRow>();
  }

  close(): void {
    this.outbox.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
