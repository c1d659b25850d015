/** What the delivery loop reports, for status, the tray and notifications. */
import type { BatchResponse } from '../api/cloud.ts';
import type { Lane } from '../api/records.ts';
import type { BatchSettlement, OutboxBatch } from '../outbox/outbox-types.ts';
import type { HaltScope } from './classify.ts';

export type DelivererEvent =
  | {
      type: 'delivered';
      batchId: string;
      lane: Lane;
      source: string;
      stream: string;
      accepted: number;
      duplicates: number;
      stale: number;
      rejected: number;
      /** Given a new seq and queued again (stale while still newest, seq_conflict, seq_in_future). */
      renumbered: number;
      /** How long the cloud took to answer this batch (metrics). */
      requestMs?: number;
      /** When the batch's oldest record was captured: capture-to-cloud latency (metrics). */
      oldestCapturedAt?: string;
    }
  | {
      type: 'retry-scheduled';
      batchId: string;
      lane: Lane;
      attempts: number;
      waitMs: number;
      code: string;
      message: string;
    }
  | { type: 'split'; batchId: string; lane: Lane; records: number }
  | { type: 'dead-lettered'; batchId: string; lane: Lane; records: number; code: string; message: string }
  /** The cloud is reachable again (once per recovery). */
  | { type: 'cloud-ok' }
  /** The cloud answered a batch (every answer: status's "last contact"). */
  | { type: 'cloud-contact' }
  | { type: 'cloud-error'; code: string; message: string }
  | { type: 'revoked'; message: string }
  | { type: 'upgrade-required'; message: string }
  | { type: 'halted'; scope: HaltScope; code: string; message: string }
  | { type: 'resumed'; scope: HaltScope }
  /** A local failure (the outbox), not the cloud's. */
  | { type: 'error'; code: string; message: string };

/** The `delivered` event of a batch the cloud answered and the outbox settled. */
export function deliveredEvent(
  batch: OutboxBatch,
  response: Pick<BatchResponse, 'accepted' | 'duplicates' | 'stale'>,
  settled: BatchSettlement,
  requestMs: number | undefined,
): DelivererEvent {
  return {
    type: 'delivered',
    batchId: batch.batchId,
    lane: batch.lane,
    source: batch.source,
    stream: batch.stream,
    accepted: response.accepted,
    duplicates: response.duplicates,
    stale: response.stale,
    rejected: settled.deadLettered,
    renumbered: settled.renumbered,
    ...(requestMs === undefined ? {} : { requestMs }),
    oldestCapturedAt: batch.records.reduce<string | undefined>(
      (min, r) => (min === undefined || r.capturedAt < min ? r.capturedAt : min),
      undefined,
    ),
  };
}
