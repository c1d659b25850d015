/**
 * Fills an agent's outbox directly through the Outbox API (no source, no ODBC): ~1 KB receipt rows
 * in transactions of 5,000 until the queued bytes reach the target. NORMAL while building, since
 * the build is setup, not the thing measured; the agent opens the file with its own FULL setting.
 */
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { receiptRecords } from '../lib/receipt-records.ts';

const PER_TRANSACTION = 5_000;
const NOTE_BYTES = 800;

export interface Backlog {
  records: number;
  queuedBytes: number;
  buildSecs: number;
}

export function buildBacklog(outboxPath: string, targetBytes: number, onProgress?: (b: Backlog) => void): Backlog {
  const started = performance.now();
  const outbox = Outbox.open({
    path: outboxPath,
    synchronous: 'NORMAL',
    maxBytes: targetBytes * 2,
    clock: systemClock,
  });
  try {
    let records = 0;
    let lastReport = 0;
    while (outbox.stats().bytes < targetBytes) {
      const page = receiptRecords(PER_TRANSACTION, { firstId: records + 1, seed: records + 1, noteBytes: NOTE_BYTES });
      const last = page[page.length - 1]!;
      outbox.enqueue({
        source: 'backlog',
        stream: 'receipts',
        lane: 'bulk',
        records: page,
        checkpoint: { cursor: last.capturedAt },
      });
      records += page.length;
      if (onProgress !== undefined && performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        onProgress({ records, queuedBytes: outbox.stats().bytes, buildSecs: (performance.now() - started) / 1000 });
      }
    }
    return { records, queuedBytes: outbox.stats().bytes, buildSecs: (performance.now() - started) / 1000 };
  } finally {
    outbox.close();
  }
}
