/**
 * Not a side of the comparison, an explanation of it: what ours does per batch besides the HTTP
 * round trip, timed phase by phase on an outbox holding the same records: lease the batch
 * (nextBatch), build its JSON and gzip it, record its completion (completeBatch; lease and completion commit without waiting for fsync).
 */
import type { SourceRecord } from '../../agents/api/index.ts';
import { buildBatchRequest, encodeBatchBody } from '../../agents/delivery/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { median } from '../lib/median.ts';
import { chunk } from '../lib/receipt-records.ts';
import { LIMITS } from './ours.ts';

export interface LocalCostPerBatch {
  leaseMs: number;
  encodeMs: number;
  completeMs: number;
}

export function localCostPerBatch(outboxPath: string, records: readonly SourceRecord[]): LocalCostPerBatch {
  const outbox = Outbox.open({ path: outboxPath, maxBytes: 8 * 1024 ** 3, synchronous: 'FULL', clock: systemClock });
  try {
    for (const page of chunk(records, LIMITS.batchMaxRecords)) {
      outbox.enqueue({ source: 'local', stream: page[0]!.stream, lane: 'bulk', records: page, checkpoint: null });
    }
    const lease: number[] = [];
    const encode: number[] = [];
    const complete: number[] = [];
    for (;;) {
      let started = performance.now();
      const batch = outbox.nextBatch({
        lane: 'bulk',
        maxRecords: LIMITS.batchMaxRecords,
        maxBytes: LIMITS.batchMaxBytes,
      });
      if (batch === null) break;
      lease.push(performance.now() - started);
      started = performance.now();
      encodeBatchBody(buildBatchRequest(batch, 'agent', 'bench'));
      encode.push(performance.now() - started);
      started = performance.now();
      outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
      complete.push(performance.now() - started);
    }
    return { leaseMs: median(lease), encodeMs: median(encode), completeMs: median(complete) };
  } finally {
    outbox.close();
  }
}
